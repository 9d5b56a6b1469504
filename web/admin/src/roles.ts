// Who may do what: each action's least role, as the API's route table says
// (shared/src/http/routes.rs). A button the role may not use is not shown.

const RANK: Record<string, number> = { staff: 0, admin: 1, owner: 2 };

/** Whether `role` is `least` or above (an unknown role counts as staff). */
export function atLeast(role: string | undefined, least: string): boolean {
  return (RANK[role ?? 'staff'] ?? 0) >= (RANK[least] ?? 0);
}

/** `POST /customers`, `PATCH /customers/{id}`: owners and admins. */
export const mayEditCustomers = (role: string | undefined) => atLeast(role, 'admin');

/** `DELETE /customers/{id}`: owners only. */
export const mayDeleteCustomers = (role: string | undefined) => atLeast(role, 'owner');

/** `POST /leads`: owners and admins (the route asks for Role::Admin). */
export const mayCreateLeads = (role: string | undefined) => atLeast(role, 'admin');
