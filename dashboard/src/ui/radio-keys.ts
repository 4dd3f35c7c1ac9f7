/**
 * Left and right arrows move the choice within a WAI-ARIA radio group made of buttons, as they
 * do between native radios: the focused radio's neighbour is focused and chosen. Up and down are
 * left to the screen (they move through its list). `preventDefault` keeps the screen's own
 * hotkeys (ui/hotkeys.ts) from acting on the same key press.
 *
 * @example
 * <div role="radiogroup" aria-label="Show" onKeyDown={radioGroupKeys}>...</div>
 */
export function radioGroupKeys(e: KeyboardEvent): void {
  const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
  if (step === 0 || !(e.currentTarget instanceof HTMLElement)) return;
  const radios = [...e.currentTarget.querySelectorAll<HTMLElement>('[role="radio"]')];
  const at = radios.indexOf(document.activeElement as HTMLElement);
  if (at < 0) return;
  e.preventDefault();
  const next = radios[(at + step + radios.length) % radios.length]!;
  next.focus();
  next.click();
}
