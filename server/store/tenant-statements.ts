/**
 * SQL for what keeps tenants apart: secret claims (one installation per secret), the durable lifecycle record
 * (webhooks applied once and in order) and counters of refused ingest requests. Same text on SQLite and PostgreSQL.
 */
export const TENANT_SQL = {
  /** The secrets, other than `uid`'s own, that one of these hashes already belongs to. */
  claimedByOthers: (count: number) =>
    `SELECT secret_hash FROM secret_claims WHERE installation_uid <> ? AND secret_hash IN (${Array(count).fill("?").join(", ")})`,
  releaseClaims: "DELETE FROM secret_claims WHERE installation_uid = ?",
  claim: "INSERT INTO secret_claims (secret_hash, installation_uid) VALUES (?, ?)",
  /**
   * Advances the installation's lifecycle record only for a strictly newer `triggered_at`: a replay or an older
   * delivery changes no row. Binds: uid, triggered_at, digest, event, uninstalled_at.
   */
  advanceLifecycle: `INSERT INTO lifecycle_applied (installation_uid, triggered_at, body_digest, event, uninstalled_at)
      VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (installation_uid) DO UPDATE SET triggered_at = excluded.triggered_at, body_digest = excluded.body_digest,
        event = excluded.event, uninstalled_at = excluded.uninstalled_at
      WHERE lifecycle_applied.triggered_at < excluded.triggered_at`,
  /** Puts the previous record back if the one this webhook wrote is still there. Binds: previous (4), uid, digest. */
  restoreLifecycle: `UPDATE lifecycle_applied SET triggered_at = ?, body_digest = ?, event = ?, uninstalled_at = ?
      WHERE installation_uid = ? AND body_digest = ?`,
  forgetLifecycle: "DELETE FROM lifecycle_applied WHERE installation_uid = ? AND body_digest = ?",
  lifecycleRecord: "SELECT triggered_at, body_digest, event, uninstalled_at FROM lifecycle_applied WHERE installation_uid = ?",
  /** Binds: uid, count, now. */
  countRefusals: `INSERT INTO ingest_refusals (installation_uid, unauthenticated, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (installation_uid) DO UPDATE SET unauthenticated = ingest_refusals.unauthenticated + excluded.unauthenticated,
        updated_at = excluded.updated_at`,
  refusals: "SELECT unauthenticated FROM ingest_refusals WHERE installation_uid = ?",
} as const;

export interface LifecycleRecord {
  triggeredAt: number;
  bodyDigest: string;
  event: string;
  /** When the installation was uninstalled (its triggered_at); null while installed. */
  uninstalledAt: number | null;
}

export function lifecycleRecordOf(row: Record<string, unknown> | undefined): LifecycleRecord | null {
  if (!row) return null;
  return {
    triggeredAt: Number(row.triggered_at),
    bodyDigest: String(row.body_digest),
    event: String(row.event),
    uninstalledAt: row.uninstalled_at === null || row.uninstalled_at === undefined ? null : Number(row.uninstalled_at),
  };
}
