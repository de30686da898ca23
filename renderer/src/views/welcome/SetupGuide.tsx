/**
 * The setup guide, in the app: the steps and commands of the README's "Configure a real Symphony
 * pod" and "Configure a Microsoft 365 tenant", so a first-time user needs nothing else open. The
 * desktop window opens no local files and knows no docs site, so the guide ships with the renderer.
 */
export function SetupGuide({ id }: { id: string }) {
  return (
    <section id={id} className="setup-guide" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Setup guide</h2>
      <h3>1. The Symphony service account</h3>
      <p>
        In the Admin Portal create a <em>service</em> account, for example <code>archiver-bot</code>. It needs no role (service accounts cannot hold the Compliance Officer
        role). Make its key pair and paste the <em>public</em> key into the account&apos;s <em>Authentication → RSA</em> field:
      </p>
      <pre tabIndex={0} aria-label="Commands: make the RSA key pair">
        {'openssl genrsa -out archiver-bot-private.pem 4096\nopenssl rsa -in archiver-bot-private.pem -pubout -out archiver-bot-public.pem\nchmod 600 archiver-bot-private.pem'}
      </pre>
      <p>
        The source is <em>member streams</em> by default (every conversation the account is a member of). <em>Datahose</em> needs the Datahose add-on;{' '}
        <em>Content Export</em> reads the daily exports your pod&apos;s administrator schedules to SFTP or a folder.
      </p>
      <h3>2. The Microsoft Entra app registration</h3>
      <p>
        In <em>Microsoft Entra admin center → App registrations → New registration</em> register a single-tenant app and note its <em>Application (client) ID</em> and{' '}
        <em>Directory (tenant) ID</em>. For unattended runs upload a certificate under <em>Certificates &amp; secrets</em> and give the archiver the PEM holding the certificate
        and its private key:
      </p>
      <pre tabIndex={0} aria-label="Commands: make the app's certificate">
        {'openssl req -x509 -newkey rsa:3072 -sha256 -days 730 -nodes -subj "/CN=Symphony Archiver" \\\n  -keyout archiver-key.pem -out archiver-cert.pem\ncat archiver-cert.pem archiver-key.pem > archiver.pem && chmod 600 archiver.pem'}
      </pre>
      <p>
        For an officer who signs in instead, add the platform <em>Mobile and desktop applications</em> with the redirect URI <code>http://localhost</code> and allow public
        client flows.
      </p>
      <h3>3. Permissions and admin consent</h3>
      <ul>
        <li>
          <code>Mail.ReadWrite</code> (Application; Delegated <code>Mail.ReadWrite.Shared</code> when an officer signs in): create <code>Inbox/Symphony</code> and the archived
          items, and find them again so a retry never makes a second copy.
        </li>
        <li>
          <code>User.Read.All</code>: map each participant&apos;s address to a mailbox and check the mailbox exists.
        </li>
        <li>
          <code>Mail-Advanced.ReadWrite.All</code>: only for the import method <em>importMime</em>.
        </li>
      </ul>
      <p>Then press <em>Grant admin consent</em>. The archiver never sends mail and never changes an item once archived.</p>
      <p>
        Exchange Online accepts items up to 35 MB per mailbox by default. For larger attachments an Exchange administrator raises the archived mailboxes&apos; maximum receive
        size (up to 150 MB), for example <code>Set-Mailbox user@contoso.com -MaxReceiveSize 150MB</code>.
      </p>
      <h3>4. Optional: RBAC for Applications in Exchange Online</h3>
      <p>Limit the app to the archived mailboxes, then remove the tenant-wide <code>Mail.ReadWrite</code> consent in Entra (Entra and Exchange grants add up):</p>
      <pre tabIndex={0} aria-label="Commands: scope the app with RBAC for Applications">
        {'New-ServicePrincipal -AppId <AppId> -ObjectId <ObjectId> -DisplayName "Symphony Archiver"\nNew-ManagementScope -Name "Archived mailboxes" -RecipientRestrictionFilter "MemberOfGroup -eq \'<group DN>\'"\nNew-ManagementRoleAssignment -App <AppId> -Role "Application Mail.ReadWrite" -CustomResourceScope "Archived mailboxes"'}
      </pre>
      <p>
        <em>Check permissions</em> in the wizard then reports, per mailbox, whether it can be written and why not. The full guide, with the reasons behind each choice, is the
        README of the archiver and its <code>docs/</code> folder.
      </p>
    </section>
  );
}
