// The business's settings (owner only): the everyday fields; secrets are write-only and never shown.
import { useState } from 'preact/hooks';
import { api } from './api';
import { ErrorMessage, Loading, useLoad } from './ui';

interface Settings {
  business_name: string;
  redirect_url: string;
  time_zone: string;
  default_region: string;
  currency: string;
  services: string[];
  stale_after_hours: number;
  webhook_secret_set: boolean;
  meta: { pixel_id: string; access_token_set: boolean } | null;
  landing?: Record<string, unknown>;
}

export function SettingsView() {
  const s = useLoad(() => api.get<Settings>('/settings'), []);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  if (s.loading && !s.data) return <Loading what="Loading settings" />;
  if (!s.data) return <ErrorMessage error={s.error} retry={s.reload} />;
  const d = s.data;
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <ErrorMessage error={error} />
      <p class="notice" role="status">
        {saved ? 'Saved.' : ''}
      </p>
      <form
        class="panel form"
        style={{ maxWidth: '36rem' }}
        onSubmit={async (e) => {
          e.preventDefault();
          const f = new FormData(e.target as HTMLFormElement);
          const patch = {
            business_name: String(f.get('business_name')).trim(),
            redirect_url: String(f.get('redirect_url')).trim(),
            time_zone: String(f.get('time_zone')).trim(),
            stale_after_hours: Number(f.get('stale_after_hours')),
            services: String(f.get('services'))
              .split(',')
              .map((x) => x.trim())
              .filter(Boolean),
          };
          try {
            setError(null);
            setSaved(false);
            s.setData(await api.patch<Settings>('/settings', patch));
            setSaved(true);
          } catch (err) {
            setError(err);
          }
        }}
      >
        <label>
          Business name
          <input name="business_name" defaultValue={d.business_name} required maxLength={100} />
        </label>
        <label>
          Booking page (where the landing page sends prospects)
          <input name="redirect_url" type="url" defaultValue={d.redirect_url} required />
        </label>
        <label>
          Services (comma-separated)
          <input name="services" defaultValue={d.services.join(', ')} />
        </label>
        <label>
          Time zone
          <input name="time_zone" defaultValue={d.time_zone} />
        </label>
        <label>
          Hours until an open lead is stale
          <input name="stale_after_hours" type="number" min={1} max={720} defaultValue={String(d.stale_after_hours)} />
        </label>
        <p class="muted">
          Webhook secret: {d.webhook_secret_set ? 'set' : 'not set'} · Meta Pixel: {d.meta ? `${d.meta.pixel_id} (access token ${d.meta.access_token_set ? 'set' : 'not set'})` : 'not configured'}
        </p>
        <div class="actions">
          <button type="submit">Save</button>
        </div>
      </form>
    </section>
  );
}
