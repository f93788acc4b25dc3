import type { Metadata } from "next";
import { connection } from "next/server";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "SoCode", template: "%s · SoCode" },
  description: "Governed MCP access to certified loyalty metrics and approved operations.",
  // One scalable icon (public/favicon.svg); every current browser takes an SVG favicon.
  icons: { icon: [{ url: "/favicon.svg", type: "image/svg+xml" }] },
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Every page renders per request, even the not-found page: Next.js puts the request's CSP nonce
  // (proxy.ts) on its scripts only while rendering, so a page prerendered at build time would have
  // scripts the policy blocks.
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen bg-slate-50 font-sans text-slate-900 antialiased">{children}</body>
    </html>
  );
}
