import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Core } from '../../electron/core/app/core';
import { Dispatcher } from '../../electron/core/app/dispatcher';
import { silentLogger } from '../../electron/core/platform/logger';
import { calls, eventNames } from '../../shared/contract';
import { ArchiverError } from '../../shared/errors';
import { TestWorld } from '../support/world';
import { connectorRows } from '../support/store-reads';

describe('contract boundary', () => {
  const temp = new TestWorld();
  let core: Core;
  beforeAll(() => {
    core = temp.core();
  });
  afterAll(() => temp.dispose());

  it('rejects invalid input with a typed error naming the field, without crashing', async () => {
    const result = await core.dispatcher.dispatch('connectors.create', { name: '', settings: { symphony: { podUrl: 'not a url' } } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid-input');
    expect(result.error.target).toBe('name');
    expect(result.error.message).toMatch(/needs a name/);

    const badUrl = await core.dispatcher.dispatch('connectors.create', { name: 'Acme', settings: { symphony: { podUrl: 'ftp://pod' } } });
    expect(badUrl).toMatchObject({ ok: false, error: { code: 'invalid-input', target: 'settings.symphony.podUrl' } });

    const extra = await core.dispatcher.dispatch('connectors.get', { id: 'x', drop: 'table' });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid-input' } });

    for (const garbage of [null, 42, 'text', [1, 2]]) {
      const r = await core.dispatcher.dispatch('connectors.get', garbage);
      expect(r).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    }
    // The core still answers afterwards.
    expect(await core.dispatcher.invoke('connectors.list', {})).toEqual([]);
  });

  it('rejects unknown calls and prototype keys as typed errors', async () => {
    for (const name of ['connectors.drop', '__proto__', 'constructor', 42, undefined]) {
      const result = await core.dispatcher.dispatch(name, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    }
  });

  it('turns expected failures into their typed value and unexpected ones into internal', async () => {
    const missing = await core.dispatcher.dispatch('connectors.get', { id: 'nope' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not-found', target: 'nope' } });

    await core.dispatcher.invoke('connectors.create', { name: 'Acme pod' });
    const duplicate = await core.dispatcher.dispatch('connectors.create', { name: 'acme POD' });
    expect(duplicate).toMatchObject({ ok: false, error: { code: 'conflict', fix: 'Choose another name.' } });

    const exploding = new Dispatcher({ 'connectors.list': () => { throw new TypeError('boom'); } }, silentLogger);
    const internal = await exploding.dispatch('connectors.list', {});
    expect(internal).toMatchObject({ ok: false, error: { code: 'internal' } });
    if (!internal.ok) expect(internal.error.message).not.toContain('boom');
    await expect(exploding.invoke('connectors.list', {})).rejects.toBeInstanceOf(ArchiverError);
  });

  it('creates, updates, soft-deletes connectors and fills settings defaults', async () => {
    const created = await core.dispatcher.invoke('connectors.create', { name: 'Second', settings: { microsoft: { tenantId: '11111111-2222-3333-4444-555555555555' } } as never });
    expect(created.settings.microsoft.folderName).toBe('Symphony');
    expect(created.settings.microsoft.tenantId).toBe('11111111-2222-3333-4444-555555555555');
    expect(created.settings.schedule.intervalHours).toBe(24);
    const renamed = await core.dispatcher.invoke('connectors.update', { id: created.id, name: 'Second pod', enabled: false });
    expect(renamed).toMatchObject({ name: 'Second pod', enabled: false });
    expect(await core.dispatcher.invoke('connectors.delete', { id: created.id })).toEqual({ deleted: true });
    expect((await core.dispatcher.invoke('connectors.list', {})).map((c) => c.name)).toEqual(['Acme pod']);
    // The row stays for its data; the name is free again.
    expect(connectorRows(core.store)).toHaveLength(2);
    await core.dispatcher.invoke('connectors.create', { name: 'Second pod' });
  });

  it('declares every call with a summary and unique event names', () => {
    for (const [name, spec] of Object.entries(calls)) {
      expect(name).toMatch(/^[a-z][a-zA-Z]*\.[a-zA-Z]+$/);
      expect(spec.summary.length).toBeGreaterThan(5);
    }
    expect(new Set(eventNames).size).toBe(eventNames.length);
  });
});
