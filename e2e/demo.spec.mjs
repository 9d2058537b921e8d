// End-to-end test of the demo, as a person would use it, in a real headless Chromium.
//
//   DEMO_URL=http://127.0.0.1:8080 SCREENSHOT=../target/e2e/profile.png node demo.spec.mjs
//
// Expects the demo running at DEMO_URL (e2e/run.sh starts one). CHROMIUM is the browser binary
// (/usr/bin/chromium unless set). Exits non-zero, naming the failed step, on the first failure.
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { chromium } from "playwright-core";

const base = (process.env.DEMO_URL ?? "http://127.0.0.1:8080").replace(/\/$/, "");
const screenshot = process.env.SCREENSHOT ?? "profile.png";
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const STEP_TIMEOUT_MS = 10_000;

function expect(condition, what) {
  if (!condition) throw new Error(`expected ${what}`);
}

async function flashes(page) {
  return page.locator("p.flash").evaluateAll((notes) =>
    notes.map((note) => ({ category: note.classList[1], message: note.textContent.trim() })),
  );
}

function hasFlash(notes, category, message) {
  return notes.some((note) => note.category === category && note.message === message);
}

function path(page) {
  const url = new URL(page.url());
  return url.pathname + url.search;
}

async function logIn(page, username, password) {
  await page.fill('input[name="username"]', username);
  await page.fill('input[name="password"]', password);
  await Promise.all([page.waitForLoadState("load"), page.click('button[type="submit"]')]);
}

const steps = [
  ["/profile sends an anonymous visitor to the login page with a flash", async (page) => {
    await page.goto(`${base}/profile`);
    expect(path(page) === "/login?next=%2Fprofile", `/login?next=%2Fprofile, got ${path(page)}`);
    const notes = await flashes(page);
    expect(hasFlash(notes, "warning", "Please log in to access this page."),
      `the login flash, got ${JSON.stringify(notes)}`);
    expect(await page.locator('input[name="csrf"]').first().inputValue() !== "", "a CSRF token in the form");
  }],
  ["a wrong password shows the error and stays on the login page", async (page) => {
    await logIn(page, "bob", "not-his-password");
    expect(new URL(page.url()).pathname === "/login", `still /login, got ${path(page)}`);
    const notes = await flashes(page);
    expect(hasFlash(notes, "error", "Invalid username or password."),
      `the error flash, got ${JSON.stringify(notes)}`);
  }],
  ["the right password lands back on /profile", async (page) => {
    await logIn(page, "bob", "builder");
    expect(path(page) === "/profile", `/profile, got ${path(page)}`);
    expect((await page.textContent("#username")) === "bob", "the profile of bob");
    expect((await page.textContent("#role")) === "member", "the role member");
    expect(hasFlash(await flashes(page), "success", "Welcome, bob."), "the welcome flash");
    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  }],
  ["/login redirects a logged-in user to /profile", async (page) => {
    await page.goto(`${base}/login`);
    expect(path(page) === "/profile", `/profile, got ${path(page)}`);
    expect(hasFlash(await flashes(page), "success", "You are already logged in."), "the pass_url flash");
  }],
  ["/admin sends a member home with the admins-only flash", async (page) => {
    await page.goto(`${base}/admin`);
    expect(path(page) === "/", `/, got ${path(page)}`);
    const notes = await flashes(page);
    expect(hasFlash(notes, "error", "Admins only"), `the admins-only flash, got ${JSON.stringify(notes)}`);
  }],
  ["logging out makes /profile redirect to the login page again", async (page) => {
    await Promise.all([page.waitForLoadState("load"), page.click('nav button[type="submit"]')]);
    expect(path(page) === "/", `/ after logout, got ${path(page)}`);
    expect(hasFlash(await flashes(page), "success", "You have been logged out."), "the logout flash");
    expect(await page.locator('nav a.who[href="/login"]').count() === 1, "the nav's log-in link");
    await page.goto(`${base}/profile`);
    expect(path(page) === "/login?next=%2Fprofile", `/login?next=%2Fprofile, got ${path(page)}`);
  }],
  ["Remember me outlives the session cookie: still logged in, but not fresh", async (page) => {
    await page.check('input[name="remember"]');
    await logIn(page, "alice", "wonderland");
    expect(path(page) === "/profile", `/profile, got ${path(page)}`);
    expect((await page.textContent("#login")).startsWith("fresh"), "a fresh login");
    const context = page.context();
    remembered = (await context.cookies()).find((cookie) => cookie.name === "remember_token");
    expect(remembered !== undefined, "a remember_token cookie");
    expect(remembered.httpOnly && remembered.sameSite === "Lax", "HttpOnly, SameSite=Lax");
    expect(!remembered.value.includes("alice"), "the user id not in the clear");
    // The browser closes: its session cookie goes, the remember cookie stays.
    await context.clearCookies();
    await context.addCookies([remembered]);
    await page.goto(`${base}/profile`);
    expect(path(page) === "/profile", `/profile, got ${path(page)}`);
    expect((await page.textContent("#username")) === "alice", "still alice");
    expect((await page.textContent("#login")).startsWith("remembered"), "not fresh");
    // The login event hook put the role back into the new session.
    await page.goto(`${base}/admin`);
    expect(path(page) === "/admin", `/admin for the remembered admin, got ${path(page)}`);
  }],
  ["log out everywhere: the old remember cookie no longer works", async (page) => {
    await page.goto(`${base}/profile`);
    await Promise.all([page.waitForLoadState("load"), page.click("#logout-everywhere")]);
    expect(path(page) === "/", `/ after logging out everywhere, got ${path(page)}`);
    const context = page.context();
    await context.clearCookies();
    await context.addCookies([remembered]);
    await page.goto(`${base}/profile`);
    expect(path(page) === "/login?next=%2Fprofile", `/login?next=%2Fprofile, got ${path(page)}`);
  }],
];

// The remember cookie of the Remember-me step, replayed after logging out everywhere.
let remembered;

const browser = await chromium.launch({
  executablePath,
  timeout: 30_000,
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
let failed = false;
try {
  const context = await browser.newContext({ viewport: { width: 900, height: 600 } });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  for (const [name, run] of steps) {
    try {
      await run(page);
      console.log(`ok   ${name}`);
    } catch (error) {
      console.log(`FAIL ${name}: ${error.message}`);
      failed = true;
      break;
    }
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
