import { ServiceUnavailableError } from '../domain/errors.js';

const TIMEOUT_MS = 5000;

/** POSTs a JSON document; anything but a 2xx answer within a few seconds is a failure (cron must not hang). */
export async function postJson(url: string, body: unknown): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'owed' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new ServiceUnavailableError(`the webhook ${url} did not answer: ${(error as Error).message}`, 'check alerts.webhook and the receiving service; the alerts will be sent on the next run');
  }
  if (!response.ok) {
    throw new ServiceUnavailableError(`the webhook ${url} answered ${response.status} ${response.statusText}`, 'the alerts will be sent again on the next run');
  }
}
