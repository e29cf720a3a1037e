import type { Migration, MigrationProvider } from 'kysely/migration';
import * as m0001 from './0001_initial.ts';
import * as m0002 from './0002_epochs.ts';
import * as m0003 from './0003_peer_slices.ts';
import * as m0004 from './0004_work.ts';
import * as m0005 from './0005_outbox.ts';
import * as m0006 from './0006_key_scopes.ts';
import * as m0007 from './0007_peer_vote_shares.ts';
import * as m0008 from './0008_peer_monitor_votes.ts';
import * as m0009 from './0009_web_sessions.ts';
import * as m0010 from './0010_dashboard_series.ts';
import * as m0011 from './0011_autoscaler.ts';
import * as m0012 from './0012_capacity_series.ts';
import * as m0013 from './0013_capacity_alerts.ts';
import * as m0014 from './0014_capacity_forecasts.ts';

/** Every migration, in order. Names sort lexically; never rename or edit one that has shipped. */
const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_epochs': m0002,
  '0003_peer_slices': m0003,
  '0004_work': m0004,
  '0005_outbox': m0005,
  '0006_key_scopes': m0006,
  '0007_peer_vote_shares': m0007,
  '0008_peer_monitor_votes': m0008,
  '0009_web_sessions': m0009,
  '0010_dashboard_series': m0010,
  '0011_autoscaler': m0011,
  '0012_capacity_series': m0012,
  '0013_capacity_alerts': m0013,
  '0014_capacity_forecasts': m0014,
};

export const migrationProvider: MigrationProvider = {
  async getMigrations() {
    return migrations;
  },
};
