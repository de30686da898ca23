import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useCall } from '../state/api-context';
import { views as allViews, type ViewDefinition } from '../views/registry';
import { useNavigationListener } from './navigation';
import { startViewId } from './startView';

export interface ActiveView {
  /** The views of this core (the sandbox-only ones only in a sandbox). */
  views: ViewDefinition[];
  /** The view shown; undefined until the start view is known (a few milliseconds after load). */
  view: ViewDefinition | undefined;
  select: (id: string) => void;
  sandbox: boolean;
}

/**
 * Which view the shell shows. The address's `#view` wins; without one the app opens on
 * `startViewId` once the core has answered. The officer's own choice (a click, a shortcut, a
 * button leading to another view) made before that answer is never overridden by it.
 */
export function useActiveView(): ActiveView {
  const info = useCall('app.info', {});
  const connectors = useCall('connectors.list', {});
  const sandbox = info.state === 'ready' && info.value.sandbox;
  const views = useMemo(() => allViews.filter((v) => !v.sandboxOnly || sandbox), [sandbox]);
  const [active, setActive] = useState<string | undefined>(() => allViews.find((v) => `#${v.id}` === location.hash)?.id);
  const chosen = useRef(active !== undefined);
  const select = useCallback((id: string) => {
    chosen.current = true;
    setActive(id);
    history.replaceState(null, '', `#${id}`);
  }, []);
  useNavigationListener(select);

  const known = info.state !== 'loading' && connectors.state !== 'loading';
  useEffect(() => {
    if (!known || chosen.current) return;
    chosen.current = true;
    setActive(startViewId(connectors.state === 'ready' ? connectors.value : undefined, sandbox));
  }, [known, connectors, sandbox]);

  useShortcuts(views, select);
  const view = active === undefined ? undefined : (views.find((v) => v.id === active) ?? views[0]);
  return { views, view, select, sandbox };
}

/** Ctrl/Cmd+1…9 switch to the view at that position. */
function useShortcuts(views: ViewDefinition[], select: (id: string) => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      const index = Number(e.key) - 1;
      const view = Number.isInteger(index) && index >= 0 ? views[index] : undefined;
      if (view) {
        e.preventDefault();
        select(view.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [select, views]);
}
