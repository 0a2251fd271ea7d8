import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ESV, FIELDROOT_DR_EPC, decodeFrame } from '../../../src/stack/echonet/index.ts';
import { TOOL_ID, VirtualField } from './fixtures/virtual-field.ts';

const SUPERVISOR = 'sup-1';
const WORKER = 'worker-1';

async function joinedField(options?: ConstructorParameters<typeof VirtualField>[1]) {
  const field = await VirtualField.open('isolated-area-20', options);
  field.join('M-0003');
  await field.runUntilIdle();
  return field;
}

/** Runs a DR command to completion on the virtual clock. */
async function run<T>(field: VirtualField, p: Promise<T>): Promise<T> {
  await field.runUntilIdle();
  return p;
}

describe('demand response', () => {
  it('disconnects and reconnects with authorisation, read-back and audit', async () => {
    const field = await joinedField();
    try {
      const dr = field.service.demandResponse;
      const device = field.meters.get('M-0003')!.device;
      const sets: number[] = [];
      field.tamper = (_id, reply, request) => {
        const req = decodeFrame(request);
        if (req.esv === ESV.SetC) sets.push(...req.properties.map((p) => p.epc));
        return reply;
      };
      const auth = await dr.authorise(SUPERVISOR, { meterId: 'M-0003', action: 'disconnect' });
      const result = await run(
        field,
        dr.execute({
          meterId: 'M-0003',
          action: 'disconnect',
          authorisationId: auth.id,
          workerId: WORKER,
          toolId: TOOL_ID,
        }),
      );
      assert.equal(result.kind, 'done');
      assert.equal(result.kind === 'done' && result.outcome, 'confirmed');
      assert.equal(result.kind === 'done' && result.switchState, 'disconnected');
      assert.equal(
        device.meterTruth(field.scenarioNow).switchState,
        'disconnected',
        'the meter itself is off',
      );
      assert.deepEqual(sets, [FIELDROOT_DR_EPC.DR_SWITCH_STATE]);

      const audit = await field.store.repositories.audit.list();
      const done = audit.find((e) => e.action === 'dr.disconnect' && e.outcome === 'done');
      assert.ok(done !== undefined, 'the command is audited');
      assert.equal(done.actor, TOOL_ID);
      assert.equal(done.subject, 'M-0003');
      assert.equal(done.reason, 'confirmed');
      assert.equal(done.detail?.workerId, WORKER);
      assert.equal(done.detail?.authorisedBy, SUPERVISOR);
      assert.ok(
        audit.some((e) => e.action === 'dr.authorise' && e.actor === SUPERVISOR),
        'issuing is audited',
      );

      const again = await run(
        field,
        dr.execute({
          meterId: 'M-0003',
          action: 'disconnect',
          authorisationId: auth.id,
          workerId: WORKER,
          toolId: TOOL_ID,
        }),
      );
      assert.deepEqual(again, { kind: 'refused', reason: 'authorisation-used' });

      const back = await dr.authorise(SUPERVISOR, { meterId: 'M-0003', action: 'reconnect' });
      const reconnect = await run(
        field,
        dr.execute({
          meterId: 'M-0003',
          action: 'reconnect',
          authorisationId: back.id,
          workerId: WORKER,
          toolId: TOOL_ID,
        }),
      );
      assert.equal(reconnect.kind === 'done' && reconnect.outcome, 'confirmed');
      assert.equal(device.meterTruth(field.scenarioNow).switchState, 'connected');
    } finally {
      field.close();
    }
  });

  it('sets a load limit and reads it back', async () => {
    const field = await joinedField();
    try {
      const dr = field.service.demandResponse;
      const auth = await dr.authorise(SUPERVISOR, {
        meterId: 'M-0003',
        action: 'load-limit',
        loadLimitW: 2_000,
      });
      const result = await run(
        field,
        dr.execute({
          meterId: 'M-0003',
          action: 'load-limit',
          loadLimitW: 2_000,
          authorisationId: auth.id,
          workerId: WORKER,
          toolId: TOOL_ID,
        }),
      );
      assert.equal(result.kind === 'done' && result.outcome, 'confirmed');
      assert.equal(result.kind === 'done' && result.loadLimitW, 2_000);
      assert.equal(field.meters.get('M-0003')!.device.meterTruth(field.scenarioNow).loadLimitW, 2_000);
    } finally {
      field.close();
    }
  });

  it("refuses without a matching, unexpired authorisation, through another tool, or to other makers' meters", async () => {
    const field = await joinedField();
    try {
      const dr = field.service.demandResponse;
      const cmd = { meterId: 'M-0003', workerId: WORKER, toolId: TOOL_ID } as const;
      assert.deepEqual(await dr.execute({ ...cmd, action: 'disconnect', authorisationId: 'dra-nope' }), {
        kind: 'refused',
        reason: 'unknown-authorisation',
      });
      const limit = await dr.authorise(SUPERVISOR, {
        meterId: 'M-0003',
        action: 'load-limit',
        loadLimitW: 1_000,
      });
      assert.deepEqual(
        await dr.execute({ ...cmd, action: 'load-limit', loadLimitW: 9_000, authorisationId: limit.id }),
        { kind: 'refused', reason: 'authorisation-mismatch' },
        'a different limit than authorised',
      );
      const other = await dr.authorise(SUPERVISOR, { meterId: 'M-0004', action: 'disconnect' });
      assert.deepEqual(await dr.execute({ ...cmd, action: 'disconnect', authorisationId: other.id }), {
        kind: 'refused',
        reason: 'authorisation-mismatch',
      });
      const short = await dr.authorise(SUPERVISOR, {
        meterId: 'M-0003',
        action: 'disconnect',
        validForMs: 1_000,
      });
      field.advance(1_000);
      assert.deepEqual(await dr.execute({ ...cmd, action: 'disconnect', authorisationId: short.id }), {
        kind: 'refused',
        reason: 'authorisation-expired',
      });
      const ok = await dr.authorise(SUPERVISOR, { meterId: 'M-0003', action: 'disconnect' });
      assert.deepEqual(
        await dr.execute({ ...cmd, toolId: 'tool-other', action: 'disconnect', authorisationId: ok.id }),
        { kind: 'refused', reason: 'wrong-tool' },
      );
      const denied = (await field.store.repositories.audit.list()).filter((e) => e.outcome === 'denied');
      assert.deepEqual(
        denied.map((e) => e.reason),
        [
          'unknown-authorisation',
          'authorisation-mismatch',
          'authorisation-mismatch',
          'authorisation-expired',
          'wrong-tool',
        ],
      );
      assert.equal(field.meters.get('M-0003')!.device.meterTruth(field.scenarioNow).switchState, 'connected');
    } finally {
      field.close();
    }
    const foreign = await joinedField({ drManufacturers: [0x000077] });
    try {
      const dr = foreign.service.demandResponse;
      const auth = await dr.authorise(SUPERVISOR, { meterId: 'M-0003', action: 'disconnect' });
      const result = await run(
        foreign,
        dr.execute({
          meterId: 'M-0003',
          action: 'disconnect',
          authorisationId: auth.id,
          workerId: WORKER,
          toolId: TOOL_ID,
        }),
      );
      assert.deepEqual(result, { kind: 'refused', reason: 'not-supported' });
      assert.equal(
        foreign.meters.get('M-0003')!.device.meterTruth(foreign.scenarioNow).switchState,
        'connected',
      );
      const unused = await foreign.amrRepo.findDrAuthorisation(auth.id);
      assert.equal(unused?.usedAtMs, null, 'a refused command does not consume the authorisation');
    } finally {
      foreign.close();
    }
  });
});
