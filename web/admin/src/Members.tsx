// Members (GET/POST /members, PATCH/DELETE /members/{id}, POST /members/{id}/invitation):
// who may sign in to the business and with which role. Owners manage everyone; admins invite
// and manage staff. An invite is a one-time link to hand over on one machine (nothing emails
// from here), an email from the identity provider in the cloud.
import { useState } from 'preact/hooks';
import { api } from './api';
import { dateTime } from './model';
import { Empty, ErrorMessage, Loading, useLoad } from './ui';

type Role = 'owner' | 'admin' | 'staff';

interface Member {
  id: string;
  email: string;
  role: Role;
  status: 'invited' | 'active' | 'removed';
  created_at: string;
}

type Invitation = { delivery: 'link'; url: string; expires: string } | { delivery: 'emailed' } | { delivery: 'sign_up' };

const ROLES: Role[] = ['staff', 'admin', 'owner'];

/** The roles `actor` may give or take (owners all, admins staff). */
export function manageable(actor: string): Role[] {
  if (actor === 'owner') return ROLES;
  if (actor === 'admin') return ['staff'];
  return [];
}

function InvitationNotice({ email, invitation }: { email: string; invitation: Invitation }) {
  const [copied, setCopied] = useState(false);
  if (invitation.delivery === 'emailed') return <p class="notice">We emailed {email} a temporary password to sign in with.</p>;
  if (invitation.delivery === 'sign_up') return <p class="notice">Ask {email} to sign up with this email address: their membership is waiting.</p>;
  const url = new URL(invitation.url, location.origin).toString();
  return (
    <div class="panel invite-link" role="status">
      <p>
        <strong>Send this link to {email} yourself.</strong> Nothing can send email from this machine. It works once, until{' '}
        {dateTime(invitation.expires)}.
      </p>
      <div class="row">
        <input readOnly aria-label={`Invite link for ${email}`} value={url} onFocus={(e) => (e.target as HTMLInputElement).select()} />
        <button
          type="button"
          class="secondary"
          onClick={async () => {
            try {
              await navigator.clipboard.writeText(url);
              setCopied(true);
            } catch {
              setCopied(false);
            }
          }}
        >
          {copied ? 'Copied' : 'Copy link'}
        </button>
      </div>
    </div>
  );
}

export function MembersView({ role }: { role: string }) {
  const members = useLoad(() => api.get<{ items: Member[] }>('/members').then((r) => r.items), []);
  const [email, setEmail] = useState('');
  const [newRole, setNewRole] = useState<Role>('staff');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<{ email: string; invitation: Invitation } | null>(null);
  const can = manageable(role);
  const act = async (what: () => Promise<unknown>) => {
    setError(null);
    setSent(null);
    try {
      await what();
    } catch (e) {
      setError(e);
    }
    members.reload();
  };
  return (
    <section aria-labelledby="members-title">
      <div class="toolbar">
        <h1 id="members-title">Members</h1>
      </div>
      {can.length > 0 && (
        <form
          class="panel form inline"
          aria-label="Invite a member"
          onSubmit={async (e) => {
            e.preventDefault();
            setBusy(true);
            setError(null);
            setSent(null);
            try {
              const r = await api.post<{ member: Member; invitation: Invitation }>('/members', { email: email.trim(), role: newRole });
              setSent({ email: r.member.email, invitation: r.invitation });
              setEmail('');
              members.reload();
            } catch (err) {
              setError(err);
            } finally {
              setBusy(false);
            }
          }}
        >
          <h2>Invite someone</h2>
          <label>
            Email
            <input name="email" type="email" required value={email} onInput={(e) => setEmail((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Role
            <select name="role" value={newRole} onChange={(e) => setNewRole((e.target as HTMLSelectElement).value as Role)}>
              {can.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={busy}>
            Invite
          </button>
        </form>
      )}
      {sent && <InvitationNotice email={sent.email} invitation={sent.invitation} />}
      <ErrorMessage error={error} />
      {members.loading && <Loading what="Loading members" />}
      <ErrorMessage error={members.error} retry={members.reload} />
      {members.data && members.data.length === 0 && <Empty>No members yet.</Empty>}
      {members.data && members.data.length > 0 && (
        <table class="table" aria-label="Members">
          <thead>
            <tr>
              <th>Email</th>
              <th>Role</th>
              <th>Status</th>
              <th>
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {members.data.map((m) => {
              const mine = can.includes(m.role);
              return (
                <tr key={m.id} data-member={m.email}>
                  <td>{m.email}</td>
                  <td>
                    {mine ? (
                      <select
                        aria-label={`Role of ${m.email}`}
                        value={m.role}
                        onChange={(e) => act(() => api.patch(`/members/${m.id}`, { role: (e.target as HTMLSelectElement).value }))}
                      >
                        {can.map((r) => (
                          <option key={r} value={r}>
                            {r}
                          </option>
                        ))}
                      </select>
                    ) : (
                      m.role
                    )}
                  </td>
                  <td>
                    <span class={`badge ${m.status}`}>{m.status}</span>
                  </td>
                  <td class="actions">
                    {mine && (
                      <button
                        type="button"
                        class="secondary"
                        aria-label={`${m.status === 'active' ? 'Password reset link' : 'New invite link'} for ${m.email}`}
                        onClick={() =>
                          act(async () => {
                            const invitation = await api.post<Invitation>(`/members/${m.id}/invitation`);
                            setSent({ email: m.email, invitation });
                          })
                        }
                      >
                        {m.status === 'active' ? 'Reset password' : 'New link'}
                      </button>
                    )}
                    {mine && (
                      <button
                        type="button"
                        class="danger"
                        aria-label={`Remove ${m.email}`}
                        onClick={() => {
                          if (confirm(`Remove ${m.email}? They are signed out at once.`)) act(() => api.del(`/members/${m.id}`));
                        }}
                      >
                        Remove
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
