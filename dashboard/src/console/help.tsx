import { useEffect, useRef } from 'preact/hooks';

const KEYS: [string, string][] = [
  ['j / ↓', 'next alert'],
  ['k / ↑', 'previous alert'],
  ['r', 'raise an alert'],
  ['s', 'acknowledge: seen'],
  ['t', 'acknowledge: attending'],
  ['u', 'acknowledge: unable'],
  ['c', 'close the selected alert (then 1–4 for the outcome)'],
  ['f', 'cycle the filter: active, closed, all'],
  ['g a / g d / g p / g r', 'go to alerts, devices, plan, review queue'],
  ['y / n', 'review: confirm / reject the candidate, then type the reason and press Enter'],
  ['n', 'records: record an incident, enrol a subject, issue a notice, record a disclosure'],
  ['j / k', 'records: choose the next / previous subject or notice'],
  ['Ctrl+Enter', 'send the open form'],
  ['Esc', 'close a dialog'],
  ['?', 'this help'],
];

export function HelpDialog(props: { onClose: () => void }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} class="dialog" aria-labelledby="help-title" onClose={props.onClose}>
      <h2 id="help-title">Keyboard shortcuts</h2>
      <table class="keys">
        <tbody>
          {KEYS.map(([k, what]) => (
            <tr>
              <td>
                <kbd>{k}</kbd>
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form method="dialog">
        {/* biome-ignore lint/a11y/noAutofocus: in a modal <dialog>, autofocus sets where the keyboard starts */}
        <button type="submit" class="btn" autoFocus>
          Close
        </button>
      </form>
    </dialog>
  );
}
