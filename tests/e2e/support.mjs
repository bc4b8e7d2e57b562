// Shared by the browser tests: a throwaway Tugra home with the demo data,
// `tugra serve` on a free loopback port, Debian's chromium driven by
// playwright-core, and screenshots kept as test artifacts.
import { execFileSync, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const TUGRA = process.env.TUGRA_BIN ?? "build/bin/tugra";
export const ARTIFACTS = process.env.TUGRA_E2E_ARTIFACTS ?? "build/e2e-artifacts";

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export class Home {
  constructor(extraEnv = {}) {
    this.dir = mkdtempSync(join(tmpdir(), "tugra-e2e-"));
    this.env = {
      ...process.env, TUGRA_HOME: this.dir, TUGRA_LANG: "tr", TUGRA_PORTAL_DEMO: "true",
      TUGRA_PORTAL_CAPTCHA_FIXED: "ABCDE", TUGRA_PORTAL_ARGON2_MEMORY_KIB: "8192", TUGRA_PORTAL_ARGON2_OPS: "1",
      ...extraEnv,
    };
    delete this.env.TUGRA_DATABASE_URL;
  }
  tugra(...args) {
    return execFileSync(TUGRA, args, { env: this.env, encoding: "utf8" });
  }
  async serve() {
    this.port = await freePort();
    this.base = `http://127.0.0.1:${this.port}`;
    this.server = spawn(TUGRA, ["serve", "--listen", `127.0.0.1:${this.port}`], { env: this.env, stdio: "ignore" });
    for (let i = 0; i < 150; i++) {
      try {
        if ((await fetch(this.base + "/healthz")).ok) return;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("tugra serve did not start");
  }
  stop() {
    this.server?.kill("SIGTERM");
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// Screenshots of every step, named in order, under ARTIFACTS/<test>/.
export class Camera {
  constructor(test) {
    this.dir = join(ARTIFACTS, test);
    mkdirSync(this.dir, { recursive: true });
    this.n = 0;
  }
  async shot(page, name) {
    this.n += 1;
    await page.screenshot({ path: join(this.dir, `${String(this.n).padStart(2, "0")}-${name}.png`), fullPage: true });
  }
}

// RFC 6238 code of a base32 secret (the demo officer's authenticator).
export function totp(base32, at = Date.now()) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of base32) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, "0");
}
