/**
 * Wiring of the AMR/DR server into a running head-end (for `fieldroot headend serve`): the
 * service over the head-end store, fed by the key server's join/leave events, talking to meters
 * through the WireGuard gateway from `serverAddress` (the AMR address handed to tools in
 * JobConnection.amrServer), polling its timers in real time. Returns what the API needs
 * (`createApiServer({ …, amr: attached.api })`) and how to stop it.
 */
import { randomBytes } from 'node:crypto';
import type { HeadendStore } from '../storage/index.ts';
import { createSqliteAmrRepository } from '../storage/index.ts';
import { AmrService, DEFAULT_REREAD } from './amr-service.ts';
import type { AmrServiceOptions } from './amr-service.ts';
import { attachEchonetToGateway } from './gateway-port.ts';
import type { GatewayEchonetLink, GatewayServicePort } from './gateway-port.ts';
import { servingFromJobs } from './registry.ts';
import type { MeterJoinSource, ServingJob } from './registry.ts';

export interface AmrAttachment {
  readonly service: AmrService;
  readonly link: GatewayEchonetLink;
  /** Pass as `amr` to createApiServer. */
  readonly api: {
    readonly demandResponse: AmrService['demandResponse'];
    readonly amr: AmrServiceOptions['amr'];
  };
  detach(): void;
}

export function attachAmrServer(options: {
  readonly store: Pick<HeadendStore, 'db' | 'repositories'>;
  readonly keyServer: MeterJoinSource;
  readonly gateway: GatewayServicePort;
  readonly serverAddress: string;
  readonly activeJobs: () => readonly ServingJob[];
  readonly clock?: () => number;
  readonly service?: Partial<
    Pick<AmrServiceOptions, 'retry' | 'engine' | 'drManufacturers' | 'readOnJoin' | 'reread'>
  >;
}): AmrAttachment {
  const r = options.store.repositories;
  const amr = createSqliteAmrRepository(options.store.db);
  // The link needs the service to deliver to, and the service the link to send on.
  const holder: { service?: AmrService } = {};
  const link = attachEchonetToGateway(options.gateway, options.serverAddress, (address, payload) =>
    holder.service?.receive(address, payload),
  );
  const service = new AmrService({
    reread: DEFAULT_REREAD,
    ...options.service,
    meters: r.meters,
    readings: r.readings,
    audit: r.audit,
    amr,
    port: link,
    servingOf: servingFromJobs(options.activeJobs),
    clock: options.clock ?? (() => Date.now()),
    random: (n) => new Uint8Array(randomBytes(n)),
  });
  holder.service = service;
  const detachKeys = service.attachKeyServer(options.keyServer);
  service.start();
  const running = service;
  return {
    service: running,
    link,
    api: { demandResponse: running.demandResponse, amr },
    detach() {
      running.stop();
      detachKeys();
      link.detach();
    },
  };
}
