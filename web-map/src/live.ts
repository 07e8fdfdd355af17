// The live stream (`/api/live`, Server-Sent Events) read over fetch rather
// than EventSource: EventSource sends no Authorization header (a big
// screen signs in with a token), gives up for good on some failures, and
// does not say how old the last byte is — which the screen shows as
// "data N s old". Reconnects with a growing pause and `Last-Event-ID`, so
// the server resends what was missed (or says `reset`).

import { authHeaders } from "./api";

type Handler = (data: string) => void;

export class LiveStream {
  private lastId: string | undefined;
  private abort: AbortController | undefined;
  private readonly handlers = new Map<string, Handler[]>();
  private running = false;
  private pause = 1000;
  /** `performance.now()` of the last byte (an event or a keep-alive). */
  lastHeard = performance.now();
  connected = false;
  /** Bytes received since the page loaded (the benchmark's stream rate). */
  bytes = 0;
  /** Called when the connection comes up or goes down. */
  onStatus: (connected: boolean) => void = () => {};
  /** Called on a 401 or 403 (the stream then stops). */
  onRefused: (status: number) => void = () => {};

  constructor(private readonly url = "/api/live") {}

  on(event: string, f: Handler): this {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), f]);
    return this;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.run();
  }

  stop(): void {
    this.running = false;
    this.abort?.abort();
  }

  /** Seconds since anything arrived. */
  age(): number {
    return (performance.now() - this.lastHeard) / 1000;
  }

  private status(up: boolean): void {
    if (this.connected === up) return;
    this.connected = up;
    this.onStatus(up);
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.abort = new AbortController();
      try {
        const headers: Record<string, string> = { Accept: "text/event-stream", ...authHeaders() };
        if (this.lastId) headers["Last-Event-ID"] = this.lastId;
        const r = await fetch(this.url, {
          headers,
          credentials: "same-origin",
          cache: "no-store",
          signal: this.abort.signal,
        });
        if (r.status === 401 || r.status === 403) {
          this.running = false;
          this.status(false);
          this.onRefused(r.status);
          return;
        }
        if (!r.ok || !r.body) throw new Error(`live stream: HTTP ${r.status}`);
        this.pause = 1000;
        this.lastHeard = performance.now();
        this.status(true);
        await this.read(r.body);
      } catch {
        // Down or cut: try again below.
      }
      this.status(false);
      if (!this.running) return;
      await new Promise((done) => setTimeout(done, this.pause));
      this.pause = Math.min(this.pause * 2, 15_000);
    }
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    let event = "message";
    let data: string[] = [];
    let id: string | undefined;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      this.lastHeard = performance.now();
      this.bytes += value.byteLength;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, end).replace(/\r$/, "");
        buffer = buffer.slice(end + 1);
        if (line === "") {
          if (id !== undefined) this.lastId = id;
          if (data.length) for (const f of this.handlers.get(event) ?? []) f(data.join("\n"));
          event = "message";
          data = [];
          id = undefined;
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = text;
        else if (field === "data") data.push(text);
        else if (field === "id") id = text;
      }
    }
  }
}
