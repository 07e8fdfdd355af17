// The tour: the scope, then each of its children, a fixed time each, on a
// loop — the map flies to the area and the panels show its figures.

import type { Area } from "./areas";

export class Tour {
  private timer: number | undefined;
  private i = 0;

  constructor(
    private readonly stops: Area[],
    private readonly seconds: number,
    private readonly show: (a: Area) => void,
  ) {}

  start(): void {
    if (this.timer !== undefined || this.stops.length < 2 || this.seconds <= 0) return;
    this.timer = window.setInterval(() => {
      this.i = (this.i + 1) % this.stops.length;
      this.show(this.stops[this.i]);
    }, this.seconds * 1000);
  }

  stop(): void {
    if (this.timer !== undefined) window.clearInterval(this.timer);
    this.timer = undefined;
  }
}
