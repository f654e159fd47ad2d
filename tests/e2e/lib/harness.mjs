// One test file's world: a key pair, a signer for the test bundle, the static server and a
// headless Chromium. `setup()` in `before`, `teardown()` in `after`.

import { launch } from "./browser.mjs";
import { startServer } from "../server.mjs";
import { PKG, SITE, keygen, sign, siteBundle, tempDir } from "./tools.mjs";

export async function setup({ pkgDir } = {}) {
  const tmp = tempDir();
  const key = keygen(tmp.dir);
  let signed = 0;
  const server = await startServer({
    pkgDir: pkgDir ?? PKG,
    vars: { site: SITE, key: key.publicKey, keys: JSON.stringify([key.publicKey]) },
  });
  const browser = await launch();
  return {
    tmp: tmp.dir,
    key,
    server,
    browser,
    /**
     * The test bundle signed at `version`: its headline reads "Headline from v<version>", so a
     * page shows which version it applied. `mutate(bundle)` adjusts it before signing.
     */
    signed(version, mutate) {
      const bundle = siteBundle();
      bundle.rules.find((r) => r.id === "headline-everyone").variants[0].text[0].text =
        `Headline from v${version}`;
      mutate?.(bundle);
      signed += 1;
      return sign(tmp.dir, bundle, key.keyFile, { version, name: `bundle-${signed}` });
    },
    async teardown() {
      await browser.close();
      await server.close();
      tmp.cleanup();
    },
  };
}
