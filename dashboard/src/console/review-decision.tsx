import { radioGroupKeys } from '../ui/radio-keys';
import type { ReviewCandidate } from '@shopwatch/protocols';

export type Verdict = 'confirm' | 'reject';
const REJECT_REASONS = ['Different person', 'Face not clear enough', 'Not a face'];
const CONFIRM_REASONS = ['Same person: face and build match'];

/** The reviewer's verdict and reason; nothing reaches a store unless it is a confirm. */
export function Decision(props: {
  c: ReviewCandidate;
  sightings: number;
  claimedByOther: string | null;
  verdict: Verdict | null;
  reason: string;
  busy: boolean;
  reasonRef: { current: HTMLTextAreaElement | null };
  onVerdict: (v: Verdict) => void;
  onReason: (r: string) => void;
  onSubmit: () => void;
}) {
  const { verdict } = props;
  return (
    <form
      class="decision"
      onSubmit={(e) => {
        e.preventDefault();
        props.onSubmit();
      }}
    >
      <p class="rule">
        Nothing is announced to stores unless you confirm. A rejection deletes the face images and clip.
      </p>
      {props.claimedByOther && <p class="error">Being reviewed by {props.claimedByOther}.</p>}
      <div class="verdicts" role="radiogroup" aria-label="Verdict" onKeyDown={radioGroupKeys}>
        {/* biome-ignore lint/a11y/useSemanticElements: a WAI-ARIA radio group of buttons; arrows: radioGroupKeys */}
        <button
          type="button"
          role="radio"
          aria-checked={verdict === 'confirm'}
          class={`btn big${verdict === 'confirm' ? ' confirm-on' : ''}`}
          onClick={() => props.onVerdict('confirm')}
        >
          Confirm match <kbd>y</kbd>
        </button>
        {/* biome-ignore lint/a11y/useSemanticElements: a WAI-ARIA radio group of buttons; arrows: radioGroupKeys */}
        <button
          type="button"
          role="radio"
          aria-checked={verdict === 'reject'}
          class={`btn big${verdict === 'reject' ? ' reject-on' : ''}`}
          onClick={() => props.onVerdict('reject')}
        >
          Reject <kbd>n</kbd>
        </button>
      </div>
      {verdict && (
        <>
          <div class="chips">
            {(verdict === 'reject' ? REJECT_REASONS : CONFIRM_REASONS).map((r) => (
              <button type="button" class="btn small" onClick={() => props.onReason(r)}>
                {r}
              </button>
            ))}
          </div>
          <label>
            Reason (kept with the decision)
            <textarea
              ref={props.reasonRef}
              rows={2}
              maxLength={500}
              value={props.reason}
              onInput={(e) => props.onReason(e.currentTarget.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !e.shiftKey) {
                  e.preventDefault();
                  props.onSubmit();
                }
              }}
            />
          </label>
          <button
            type="submit"
            class={`btn ${verdict === 'confirm' ? 'danger' : 'primary'}`}
            disabled={props.busy || props.reason.trim().length < 3}
          >
            {verdict === 'confirm' ? 'Confirm and raise a gallery-match alert' : 'Reject and delete the images'}
            {props.sightings > 1 ? ` (all ${props.sightings} sightings)` : ''} <kbd>Enter</kbd>
          </button>
        </>
      )}
    </form>
  );
}
