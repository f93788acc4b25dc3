// The adversarial suite (`npm run test:security`): tests in test/security/ attack the running, built
// app over HTTP (and the database under it) the way an attacker would. Kept out of `npm test` so the
// feature suite stays fast; CI runs both.
import { defineConfig } from "vitest/config";
import base from "./vitest.config";

export default defineConfig({
  ...base,
  test: { ...base.test, include: ["test/security/**/*.test.ts"], exclude: ["e2e/**", "node_modules/**"] },
});
