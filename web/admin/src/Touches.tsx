// A touch (first or last) as one line: source, campaign and when.
import { TouchSummary } from './attribution';
import { words } from './customerForm';
import { dateTime } from './model';

/** "Google ad · google / cpc / spring · 3 Mar 2026, 10:00"; `unknown` when no source is known. */
export function TouchLine({ touch, unknown = 'Not known' }: { touch: TouchSummary; unknown?: string }) {
  return (
    <>
      <span class="touch-source">{touch.source ? words(touch.source) : unknown}</span>
      {touch.campaign && <span class="muted touch-campaign"> · {touch.campaign}</span>}
      {touch.at && <span class="muted touch-at"> · {dateTime(touch.at)}</span>}
    </>
  );
}
