import fs from 'node:fs';
import { RefusedError } from '../domain/errors.js';
import { defaultSettings } from '../domain/settings/registry.js';

/** The SMTP connection as the settings describe it, the password resolved. */
export interface SmtpConfig {
  readonly host: string;
  readonly port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
  readonly secure: boolean;
  /** null: no authentication. */
  readonly auth: { readonly user: string; readonly pass: string } | null;
  readonly from: MailFrom;
}

export interface MailFrom {
  readonly address: string;
  /** Display name (company.name), or '' for the bare address. */
  readonly name: string;
}

function reader(settings: ReadonlyMap<string, string>): (key: string) => string {
  const defaults = defaultSettings();
  return (key) => (settings.get(key) ?? defaults.get(key) ?? '').trim();
}

/** The sender of reminders and alerts: smtp.from, with company.name as its display name. */
export function mailFrom(settings: ReadonlyMap<string, string>): MailFrom {
  const get = reader(settings);
  const address = get('smtp.from').split(',')[0]?.trim() ?? '';
  if (address === '') {
    throw new RefusedError('no sender address: the setting smtp.from is empty', 'owed settings set smtp.from ar@example.com');
  }
  return { address, name: get('company.name') };
}

/**
 * Reads the SMTP settings. The password never comes from a flag: it is taken from the environment
 * variable named by smtp.password_env, else from the file named by smtp.password_file.
 */
export function smtpConfig(
  settings: ReadonlyMap<string, string>,
  env: NodeJS.ProcessEnv,
  readFile: (file: string) => string = (file) => fs.readFileSync(file, 'utf8'),
): SmtpConfig {
  const get = reader(settings);
  const host = get('smtp.host');
  if (host === '') {
    throw new RefusedError(
      'SMTP is not configured: the setting smtp.host is empty',
      'owed settings set smtp.host mail.example.com (and smtp.port, smtp.user, smtp.from)',
    );
  }
  const port = Number(get('smtp.port') || '587');
  const from = mailFrom(settings);
  const user = get('smtp.user');
  let auth: SmtpConfig['auth'] = null;
  if (user !== '') {
    const variable = get('smtp.password_env');
    const file = get('smtp.password_file');
    const fromEnv = variable === '' ? undefined : env[variable];
    let pass: string | undefined = fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
    if (pass === undefined && file !== '') {
      try {
        pass = readFile(file).replace(/\r?\n$/, '');
      } catch (error) {
        throw new RefusedError(
          `cannot read the SMTP password file ${file} (smtp.password_file): ${(error as Error).message}`,
          'make the file readable by this user, or set the environment variable named by smtp.password_env',
        );
      }
    }
    if (pass === undefined || pass === '') {
      throw new RefusedError(
        `smtp.user is "${user}" but no SMTP password was found${variable !== '' ? ` in the environment variable ${variable}` : ''}${file !== '' ? ` or the file ${file}` : ''}`,
        `export ${variable || 'OWED_SMTP_PASSWORD'}=… before running, or owed settings set smtp.password_file /path/to/file (never a flag)`,
      );
    }
    auth = { user, pass };
  }
  return { host, port, secure: get('smtp.secure') === 'true', auth, from };
}
