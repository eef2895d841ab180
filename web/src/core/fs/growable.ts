/** Typed arrays that grow by doubling while the stacking pass appends to them, then are cut to length. */
export class IntBuf {
  a = new Int32Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  finish(): Int32Array {
    return this.a.slice(0, this.n);
  }
}

export class ByteBuf {
  a = new Uint8Array(1024);
  n = 0;
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Uint8Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  finish(): Uint8Array {
    return this.a.slice(0, this.n);
  }
}
