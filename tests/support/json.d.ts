// Tests assert on response bodies directly; typing every body first would only add noise.
interface Response {
  json(): Promise<any>
}
