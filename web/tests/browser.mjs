// The web page in a real browser (headless Chromium through playwright-core): opens the
// F48 lesson's scenario by its URL, plays to the end, shows the records view's lost records,
// and checks the page says LOST, that no console error occurred, and how long the first
// frame took. Run by scripts/web-test.sh, which builds and serves the site.
import { chromium } from "playwright-core";

const [url, shots] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const errors = [];
let failed = false;
const check = (ok, what) => {
  console.log(`${ok ? "ok" : "FAIL"}: ${what}`);
  if (!ok) failed = true;
};
for (const [width, height] of [[1280, 800], [960, 600]]) {
  const page = await browser.newPage({ viewport: { width, height } });
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  const started = Date.now();
  await page.goto(`${url}#scenario=lessons/F48-unclean-leader-election.toml&seed=7`);
  await page.waitForFunction(() => document.body.innerText.includes("seed 7"), null, { timeout: 10000 });
  const firstFrame = Date.now() - started;
  console.log(`${width}x${height}: page load and first frame in ${firstFrame} ms`);
  check(firstFrame < 2000, `first frame under 2 s at ${width}x${height}`);
  // To the last event; a lesson question on the way is skipped with Esc.
  for (let i = 0; i < 4; i++) {
    await page.keyboard.press("End");
    await page.waitForTimeout(200);
    await page.keyboard.press("Escape");
    await page.waitForTimeout(100);
  }
  await page.keyboard.press("Tab"); // the records view
  await page.waitForTimeout(200);
  await page.keyboard.press("3"); // lost records only
  await page.waitForTimeout(300);
  const text = await page.evaluate(() => document.body.innerText);
  check(text.includes("records at the cursor"), `the records view is shown at ${width}x${height}`);
  check(text.includes("LOST"), `the page shows a lost record at ${width}x${height}`);
  await page.screenshot({ path: `${shots}/records-${width}x${height}.png` });
  if (failed) console.log(text);
  await page.close();
}
check(errors.length === 0, `no console error${errors.length ? ": " + errors.join(" | ") : ""}`);
await browser.close();
process.exit(failed ? 1 : 0);
