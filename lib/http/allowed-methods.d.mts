import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

export declare const ROUTE_HANDLERS: [pattern: string, methods: string[]][];
export declare const PAGE_METHODS: string[];
export declare function allowedMethods(pathname: string): { kind: "page" | "route"; methods: string[] };
export declare function answerUnsupportedMethod(req: IncomingMessage, res: ServerResponse): boolean;
export declare function answerConnect(req: IncomingMessage, socket: Duplex): void;
