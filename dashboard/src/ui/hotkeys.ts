import { useEffect, useRef } from 'preact/hooks';

export type KeyMap = Record<string, (e: KeyboardEvent) => void>;

const typing = (t: EventTarget | null) =>
  t instanceof HTMLElement && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));

/**
 * Single-key shortcuts for the control room ("j", "k", "Enter", "g d" ...). Ignored while the
 * user types in a field or holds a modifier, so they never steal text input or browser keys.
 * Keys are `e.key` values; a two-key sequence is written "g d".
 */
export function useHotkeys(map: KeyMap, enabled = true) {
  const ref = useRef(map);
  ref.current = map;
  useEffect(() => {
    if (!enabled) return;
    let prefix: string | null = null;
    let prefixTimer: ReturnType<typeof setTimeout> | undefined;
    const on = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const key = prefix ? `${prefix} ${e.key}` : e.key;
      const fn = ref.current[key];
      if (fn) {
        e.preventDefault();
        prefix = null;
        fn(e);
        return;
      }
      if (!prefix && Object.keys(ref.current).some((k) => k.startsWith(`${e.key} `))) {
        prefix = e.key;
        clearTimeout(prefixTimer);
        prefixTimer = setTimeout(() => (prefix = null), 1500);
        e.preventDefault();
        return;
      }
      prefix = null;
    };
    addEventListener('keydown', on);
    return () => {
      removeEventListener('keydown', on);
      clearTimeout(prefixTimer);
    };
  }, [enabled]);
}
