// A report we will not count, with the reason and the HTTP status a sender gets for it.
export class Rejection extends Error {
  constructor(
    readonly status: 400 | 403 | 405 | 413 | 415,
    readonly reason: string,
  ) {
    super(reason);
    this.name = "Rejection";
  }
}
