import { describe, expect, it } from 'vitest';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { ApiError } from './api';
import { ErrorMessage, LoadMore, PageOf, usePages } from './ui';
import { LostReasonDialog } from './Board';

describe('components', () => {
  it('shows a problem+json error as a readable alert', () => {
    const root = document.createElement('div');
    render(<ErrorMessage error={new ApiError(422, { status: 422, errors: [{ field: 'name', reason: 'is required' }] })} />, root);
    const alert = root.querySelector('[role=alert]');
    expect(alert?.textContent).toBe('Please check: name is required.');
  });

  it('will not mark a lead lost without a reason', async () => {
    const root = document.createElement('div');
    document.body.appendChild(root);
    const answers: (string | null)[] = [];
    const lead = { id: 'x', tenant_id: 'demo', name: 'Ann', phone: '+1', phone_raw: '1', status: 'new', source: 'website', touch: {}, expected_value: 0, stale: false, created_at: '', updated_at: '', version: 1 } as const;
    await act(() => render(<LostReasonDialog lead={lead} onDone={(r) => answers.push(r)} />, root));
    const form = root.querySelector('form') as HTMLFormElement;
    await act(() => form.requestSubmit());
    expect(answers).toEqual([]);
    expect(root.querySelector('#lost-reason-err')?.textContent).toMatch(/needs a reason/);
    const text = root.querySelector('textarea') as HTMLTextAreaElement;
    await act(() => {
      text.value = 'Too expensive';
      text.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await act(() => form.requestSubmit());
    expect(answers).toEqual(['Too expensive']);
    root.remove();
  });

  it('pages a list: the next page on "Load more", none after the last, fresh rows for other filters', async () => {
    const root = document.createElement('div');
    document.body.appendChild(root);
    const asked: (string | null)[] = [];
    const pages: Record<string, PageOf<string>> = {
      'a:': { items: ['a1', 'a2'], next: 'c2' },
      'a:c2': { items: ['a3'], next: null },
      'b:': { items: ['b1'], next: null },
    };
    function List({ filter }: { filter: string }) {
      const p = usePages((cursor) => {
        asked.push(cursor);
        return Promise.resolve(pages[`${filter}:${cursor ?? ''}`]);
      }, [filter]);
      return (
        <div>
          <ul>{p.items.map((i) => <li key={i}>{i}</li>)}</ul>
          <LoadMore pages={p} />
        </div>
      );
    }
    const rows = () => [...root.querySelectorAll('li')].map((li) => li.textContent);
    await act(() => render(<List filter="a" />, root));
    await act(() => Promise.resolve());
    expect(rows()).toEqual(['a1', 'a2']);
    await act(() => (root.querySelector('button') as HTMLButtonElement).click());
    await act(() => Promise.resolve());
    expect(rows()).toEqual(['a1', 'a2', 'a3']);
    expect(root.querySelector('button')).toBeNull();
    expect(asked).toEqual([null, 'c2']);
    await act(() => render(<List filter="b" />, root));
    await act(() => Promise.resolve());
    expect(rows()).toEqual(['b1']);
    root.remove();
  });
});
