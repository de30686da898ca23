import type { Page } from 'playwright-core';

/** Drives the connector wizard the way an officer does: labels, buttons and Enter, no test ids where words exist. */
export async function wizardStep(page: Page): Promise<string> {
  return (await page.getByTestId('wizard-step').textContent()) ?? '';
}

export async function startNewConnector(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name: /Connectors/ }).click();
  await page.getByRole('button', { name: 'New connector' }).click();
  await page.getByLabel('Connector name').fill(name);
  await page.getByLabel('Connector name').press('Enter');
  await page.getByLabel('Pod URL').waitFor();
}

export async function fillSymphony(page: Page, values: { podUrl: string; username: string; privateKeyPath: string }): Promise<void> {
  await page.getByLabel('Pod URL').fill(values.podUrl);
  await page.getByLabel('Service account username').fill(values.username);
  await page.getByLabel('Private key file').fill(values.privateKeyPath);
}
