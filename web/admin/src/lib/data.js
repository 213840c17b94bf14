// Hooks for loading data from the API.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

// useLoad runs load() when deps change and keeps { data, error, loading, reload, setData }.
// With opts.every (ms) it reloads on that interval while the tab is visible (live views),
// without flashing the loading state.
export function useLoad(load, deps, opts = {}) {
  const [state, setState] = useState({ data: undefined, error: null, loading: true });
  const seq = useRef(0);
  const run = useCallback(async (quiet) => {
    const n = ++seq.current;
    if (!quiet) setState((s) => ({ ...s, loading: true }));
    try {
      const data = await load();
      if (n === seq.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (n === seq.current) setState((s) => ({ data: quiet ? s.data : undefined, error, loading: false }));
    }
  }, deps);
  useEffect(() => {
    run(false);
    if (!opts.every) return undefined;
    const id = setInterval(() => {
      if (document.visibilityState === 'visible') run(true);
    }, opts.every);
    return () => clearInterval(id);
  }, [run, opts.every]);
  return {
    ...state,
    reload: () => run(true),
    setData: (data) => setState((s) => ({ ...s, data })),
  };
}

// useAction wraps a change: { run, busy, error, done, clear }. run(...args) resolves to the
// action's result, or undefined when it failed (error holds the ApiError).
export function useAction(action) {
  const [state, setState] = useState({ busy: false, error: null, done: false });
  const run = async (...args) => {
    setState({ busy: true, error: null, done: false });
    try {
      const out = await action(...args);
      setState({ busy: false, error: null, done: true });
      return out ?? true;
    } catch (error) {
      setState({ busy: false, error, done: false });
      return undefined;
    }
  };
  return { ...state, run, clear: () => setState({ busy: false, error: null, done: false }) };
}
