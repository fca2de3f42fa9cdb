// What every browser test shares: the local stack's address and oauthctl
// (from infra/test.sh), Debian's Chromium launched headless with the flags this
// closed network needs, and the sign-in form filled like a person would.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const BASE = process.env.OAUTH_BASE ?? 'http://127.0.0.1:9000';
export const OUT = process.env.TEST_OUTPUT ?? 'test-output';
mkdirSync(OUT, { recursive: true });
const OAUTHCTL = process.env.OAUTHCTL ?? 'target/debug/oauthctl';

export const ctl = (...args) => JSON.parse(execFileSync(OAUTHCTL, args, { encoding: 'utf8' }));
export const rand = () => Math.random().toString(36).slice(2, 10);

export const launch = () => chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

export async function signInAs(page, email, password) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
