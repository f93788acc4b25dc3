import type { Duplex } from "node:stream";

export declare function answerClientError(err: (Error & { code?: string }) | undefined, socket: Duplex): void;
