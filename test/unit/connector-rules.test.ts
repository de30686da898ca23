import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core } from '../../electron/core/app/core';
import { SymphonyClient } from '../../electron/core/symphony/client';
import { ArchiverError } from '../../shared/errors';
import { TestWorld } from '../support/world';

/** The core's side of the form rules (issue 21): the contract refuses, normalises and keeps old data readable. */
describe('connector rules in the core', () => {
  const temp = new TestWorld();
  let core: Core;
  beforeAll(() => {
    core = temp.core();
  });
  afterAll(() => temp.dispose());

  it('refuses what the form refuses, with the same words and the field as target', async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ name: 'Acme\tprod' }, 'name', /control characters/],
      [{ name: 'Acme', settings: { symphony: { podUrl: 'https://acme.symphony.com?x=1' } } }, 'settings.symphony.podUrl', /Remove the part from \? or #/],
      [{ name: 'Acme', settings: { symphony: { podUrl: 'http://acme.symphony.com' } } }, 'settings.symphony.podUrl', /plain http/],
      [{ name: 'Acme', settings: { microsoft: { tenantId: 'contoso' } } }, 'settings.microsoft.tenantId', /tenant id \(a GUID/],
      [{ name: 'Acme', settings: { microsoft: { clientId: 'app' } } }, 'settings.microsoft.clientId', /application \(client\) id/],
    ];
    for (const [input, target, message] of cases) {
      const result = await core.dispatcher.dispatch('connectors.create', input);
      expect(result, JSON.stringify(input)).toMatchObject({ ok: false, error: { code: 'invalid-input', target } });
      if (!result.ok) expect(result.error.message).toMatch(message);
    }
    expect(core.connectors.list()).toEqual([]);
  });

  it('stores names trimmed and pod URLs normalised; names are unique across case and scripts', async () => {
    const created = await core.dispatcher.invoke('connectors.create', {
      name: '  Tōkyō — R&D 📈  ',
      enabled: false,
      settings: { symphony: { podUrl: 'https://Acme.Symphony.com:443/pod/', agentUrl: 'https://agent.acme.com/agent' } },
    });
    expect(created).toMatchObject({ name: 'Tōkyō — R&D 📈', enabled: false });
    expect(created.settings.symphony).toMatchObject({ podUrl: 'https://acme.symphony.com', agentUrl: 'https://agent.acme.com' });
    const duplicate = await core.dispatcher.dispatch('connectors.create', { name: 'TŌKYŌ — r&d 📈' });
    expect(duplicate).toMatchObject({ ok: false, error: { code: 'conflict', target: 'name', message: 'A connector named "TŌKYŌ — r&d 📈" already exists.' } });
    await core.dispatcher.invoke('connectors.delete', { id: created.id });
  });

  it('a connector saved by an older version with a now-refused URL still loads, and the client refuses to glue it into requests', async () => {
    const created = core.connectors.create('Old pod', { symphony: { podUrl: 'https://acme.symphony.com', username: 'bot' } as never });
    const raw = JSON.parse((core.store.db.prepare('SELECT settings_json FROM connectors WHERE id = ?').get(created.id) as { settings_json: string }).settings_json) as Record<string, Record<string, unknown>>;
    raw.symphony!.podUrl = 'https://acme.symphony.com/?tenant=1';
    core.store.db.prepare('UPDATE connectors SET settings_json = ? WHERE id = ?').run(JSON.stringify(raw), created.id);

    const loaded = (await core.dispatcher.invoke('connectors.list', {})).find((c) => c.id === created.id)!;
    expect(loaded.settings.symphony.podUrl).toBe('https://acme.symphony.com/?tenant=1');
    expect(loaded.settings.symphony.username).toBe('bot');
    let refused: unknown;
    try {
      new SymphonyClient(loaded.settings.symphony);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ArchiverError);
    expect(refused).toMatchObject({ code: 'invalid-input', target: 'settings.symphony.podUrl', message: expect.stringMatching(/Remove the part from \? or #/) });
  });

  it('previews a schedule with the scheduler’s own arithmetic: the first time is the connector’s nextRunAt', async () => {
    // Noon: no time zone changes its clocks then. At 02:00 the previewed days around a DST change
    // differ (02:00 does not exist on the spring-forward day: that run is at 03:00).
    const created = await core.dispatcher.invoke('connectors.create', { name: 'Scheduled', settings: { schedule: { enabled: true, kind: 'cron', cron: '0 12 * * *' } } });
    const status = (await core.dispatcher.invoke('runs.status', {})).find((s) => s.connectorId === created.id)!;
    const preview = await core.dispatcher.invoke('runs.preview', { schedule: created.settings.schedule, connectorId: created.id, count: 3 });
    expect(preview.nextRuns[0]).toBe(status.nextRunAt);
    expect(preview.nextRuns).toHaveLength(3);
    // The same local hour on three days (the jitter adds minutes only).
    const hours = preview.nextRuns.map((t) => new Date(t).getHours());
    expect(hours).toEqual([12, 12, 12]);
    expect(new Set(preview.nextRuns.map((t) => new Date(t).toDateString())).size).toBe(3);
    // A draft schedule (no connector yet) previews too, and a bad one is refused with the cron message.
    expect((await core.dispatcher.invoke('runs.preview', { schedule: { ...created.settings.schedule, kind: 'interval', intervalHours: 6 }, count: 2 })).nextRuns).toHaveLength(2);
    const bad = await core.dispatcher.dispatch('runs.preview', { schedule: { ...created.settings.schedule, cron: '61 2 * * *' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid-input', target: 'settings.schedule.cron' } });
  });
});
