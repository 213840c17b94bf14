// A hash router: "#/b/demo-burger/stores/centro". Routes are patterns with ":name" segments;
// the page gets the decoded params. Hash routes need no server rewrites: /admin/ serves the
// one page whatever the route.
import { useEffect, useState } from 'preact/hooks';

export function currentPath() {
  const h = location.hash.replace(/^#/, '');
  return h.startsWith('/') ? h : '/';
}

export function navigate(path, { replace = false } = {}) {
  const url = '#' + path;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

export function usePath() {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const on = () => setPath(currentPath());
    window.addEventListener('hashchange', on);
    window.addEventListener('popstate', on);
    return () => {
      window.removeEventListener('hashchange', on);
      window.removeEventListener('popstate', on);
    };
  }, []);
  return path;
}

// match returns the params of pattern in path, or null.
export function match(pattern, path) {
  const [p] = path.split('?');
  const ps = pattern.split('/').filter(Boolean);
  const xs = p.split('/').filter(Boolean);
  if (ps.length !== xs.length) return null;
  const params = {};
  for (let i = 0; i < ps.length; i++) {
    if (ps[i].startsWith(':')) {
      try { params[ps[i].slice(1)] = decodeURIComponent(xs[i]); } catch { return null; }
    } else if (ps[i] !== xs[i]) {
      return null;
    }
  }
  return params;
}

// queryParams reads "?a=b" after the hash path.
export function queryParams() {
  const i = location.hash.indexOf('?');
  return new URLSearchParams(i >= 0 ? location.hash.slice(i + 1) : '');
}

// href builds "#/a/b" from segments, each escaped.
export function href(...segments) {
  return '#/' + segments.map((s) => encodeURIComponent(s)).join('/');
}
