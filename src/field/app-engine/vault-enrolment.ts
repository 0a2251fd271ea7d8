/**
 * The enrolment card's state from the credential vault (src/field/vault) and the head-end's
 * answer about this device (src/field/enrolment): enrolled once the vault holds a certificate for
 * its key, pending while only the key is there, revoked once the head-end refused the certificate.
 */
import type { EnrolmentView } from '../../contract/app/index.ts';
import { loadDeviceCredentials } from '../enrolment/index.ts';
import { VAULT_ENTRY, type CredentialVault } from '../vault/index.ts';
import type { EnrolmentSource } from './seams.ts';

export class VaultEnrolment implements EnrolmentSource {
  private revoked = false;
  private rejected = false;

  constructor(
    private readonly vault: CredentialVault | null,
    private readonly deviceId: string,
    private readonly kind: EnrolmentView['vault'],
  ) {}

  /** The head-end refused this device's certificate (revocation). */
  markRevoked(): void {
    this.revoked = true;
  }

  markRejected(): void {
    this.rejected = true;
  }

  async current(): Promise<EnrolmentView> {
    const view = (state: EnrolmentView['state'], expiresAtMs: number | null = null): EnrolmentView => ({
      state,
      deviceId: this.deviceId,
      vault: this.kind,
      certificateExpiresAtMs: expiresAtMs,
    });
    if (this.vault === null) return view('unknown');
    if (this.revoked) return view('revoked');
    if (this.rejected) return view('rejected');
    const creds = await loadDeviceCredentials(this.vault, this.deviceId);
    if (creds !== null) {
      creds.privateKeyPem.wipe();
      return view('enrolled', creds.notAfterMs);
    }
    const key = await this.vault.read(VAULT_ENTRY.DEVICE_PRIVATE_KEY);
    key?.fill(0);
    return view(key === null ? 'not-enrolled' : 'pending');
  }
}
