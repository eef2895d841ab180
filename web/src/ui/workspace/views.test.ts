import { describe, expect, it } from 'vitest';
import { sameViewFor } from '../browse/nav';
import { EXPLORER_KEYS } from '../explorer/KeyboardHelp';
import { readUrlState, searchFor } from '../useUrlState';
import { availableViews, currentView, viewForKey, viewParam } from './viewTypes';
import { WORKSPACE_VIEWS } from './views';

const ids = WORKSPACE_VIEWS.map((v) => v.id);

describe('the view registry', () => {
  it('opens on the explorer, and names every view the issue asks for once', () => {
    expect(ids[0]).toBe('explorer');
    for (const id of ['waste', 'treemap', 'layers', 'config', 'tags', 'referrers']) expect(ids.filter((x) => x === id)).toHaveLength(1);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('gives every view a key of its own that the explorer does not use', () => {
    const keys = WORKSPACE_VIEWS.map((v) => v.key);
    expect(new Set(keys).size).toBe(keys.length);
    // The explorer's bindings, split into single keys (`↑ ↓ or j k` → j, k; Space → ' ').
    const taken = new Set(EXPLORER_KEYS.flatMap(([k]) => k.split(/[\s/,]+|or/).filter((t) => t.length === 1)).concat(['?', '/', ' ']));
    for (const key of keys) {
      expect(key).toHaveLength(1);
      expect(taken.has(key), `key ${key}`).toBe(false);
    }
  });

  it('uses ids the URL keeps as they are', () => {
    for (const id of ids) expect(readUrlState(`?image=alpine&view=${id}`).view).toBe(id);
  });

  it('leaves registry views out for an opened archive', () => {
    const archive = availableViews(WORKSPACE_VIEWS, false).map((v) => v.id);
    expect(archive).toEqual(ids.filter((id) => WORKSPACE_VIEWS.find((v) => v.id === id)?.needs !== 'registry'));
    expect(archive).not.toContain('tags');
    expect(archive).not.toContain('referrers');
    expect(availableViews(WORKSPACE_VIEWS, true).map((v) => v.id)).toEqual(ids);
  });

  it('falls back to the explorer for a view the URL names that does not exist here', () => {
    const archive = availableViews(WORKSPACE_VIEWS, false);
    expect(currentView(archive, 'tags').id).toBe('explorer');
    expect(currentView(archive, 'nonsense').id).toBe('explorer');
    expect(currentView(archive, undefined).id).toBe('explorer');
    expect(currentView(archive, 'waste').id).toBe('waste');
  });

  it('writes no view parameter for the default view, so the plain image link opens it', () => {
    expect(viewParam(WORKSPACE_VIEWS, 'explorer')).toBeUndefined();
    expect(viewParam(WORKSPACE_VIEWS, 'treemap')).toBe('treemap');
  });

  it('finds a view by its key', () => {
    for (const view of WORKSPACE_VIEWS) expect(viewForKey(WORKSPACE_VIEWS, view.key)?.id).toBe(view.id);
    expect(viewForKey(WORKSPACE_VIEWS, 'j')).toBeUndefined();
  });
});

describe('view= in the URL', () => {
  it('round-trips, after the platform and before the explorer state', () => {
    const state = { image: 'ghcr.io/org/app:1', platform: 'linux/arm64', view: 'waste', layer: 2, mode: 'layer' as const, path: '/usr/bin' };
    const search = searchFor(state);
    expect(search).toBe('?image=ghcr.io/org/app:1&platform=linux/arm64&view=waste&layer=2&mode=layer&path=/usr/bin');
    expect(readUrlState(search)).toEqual(state);
  });

  it('drops a value that is not a view name', () => {
    for (const bad of ['', 'Waste', '../etc', 'a b', '1x']) expect(readUrlState(`?image=alpine&view=${encodeURIComponent(bad)}`).view).toBeUndefined();
  });

  it('stays when another tag is opened', () => {
    expect(sameViewFor(readUrlState('?image=alpine:3.19&view=tags&layer=1'), 'alpine:3.20')).toEqual({ image: 'alpine:3.20', view: 'tags', layer: 1 });
  });
});
