/**
 * What a real pod and tenant need before the wizard can succeed, in the order the wizard asks for
 * them. Short on purpose: the setup guide (SetupGuide.tsx) has the commands and the why.
 */
export function Requirements() {
  return (
    <ol className="requirements" aria-label="What a real pod and tenant need">
      <li>
        <h3>Symphony: a service account and its RSA key</h3>
        <p>
          In the pod&apos;s Admin Portal, a <em>service account</em> (a bot user such as <code>archiver-bot</code>) with the public half of an RSA key pair (2048 bits or
          more) in its <em>Authentication → RSA</em> field. The archiver keeps only the path of the private key. You also need the pod URL, and the agent and key-manager URLs
          if they differ.
        </p>
      </li>
      <li>
        <h3>Microsoft 365: an app registration with admin consent</h3>
        <p>
          In the Microsoft Entra admin center, a single-tenant <em>app registration</em>: its application (client) ID and directory (tenant) ID, a certificate for unattended
          runs (or public client flows, for an officer who signs in), and the Microsoft Graph permissions <code>Mail.ReadWrite</code> and <code>User.Read.All</code> with{' '}
          <em>admin consent</em>.
        </p>
      </li>
      <li>
        <h3>Optional: limit the app to the archived mailboxes</h3>
        <p>
          An Exchange Online administrator can scope the app with <em>RBAC for Applications</em> (a management scope and the role <code>Application Mail.ReadWrite</code>),
          then remove the tenant-wide consent. Without it, the app may write to every mailbox of the tenant.
        </p>
      </li>
    </ol>
  );
}
