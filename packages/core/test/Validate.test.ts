import { describe, expect, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import * as Validate from "../src/internal/validate.js"

// The rules of bad input, one by one, with the exact messages users see.

const key = Redacted.make("sk-test")
const limits = { timeout: Duration.seconds(10), idle: Duration.seconds(5), total: Duration.infinity }

const refused = (options: Parameters<typeof Validate.options>[0]) => {
  const result = Validate.options(options)
  if (Either.isRight(result)) return expect.fail("accepted")
  return { path: result.left._op === "InvalidData" ? result.left.path : [], message: String(result.left) }
}

describe("header values", () => {
  it("line breaks, controls other than tab, DEL and characters past U+00FF are refused; the rest is fine", () => {
    expect(Validate.headerValueProblem("a\nb")).toBe("contains a line break (CR or LF)")
    expect(Validate.headerValueProblem("a\rb")).toBe("contains a line break (CR or LF)")
    const carry = "has a character HTTP headers cannot carry (a control character or one past U+00FF)"
    for (const value of ["a\u0000b", "\u001f", "\u007f", "\u0100", "€"]) {
      expect(Validate.headerValueProblem(value)).toBe(carry)
    }
    for (const value of ["", "tab\there", " ~", "é ÿ", "Bearer sk-abc"]) {
      expect(Validate.headerValueProblem(value)).toBeUndefined()
    }
  })

  it("header inputs: a name that is not a token, or a bad value, named in the message; null and undefined are fine", () => {
    expect(Validate.headersProblem(undefined)).toBeUndefined()
    expect(Validate.headersProblem({ "x-ok": "1", "x-null": null, "x-undefined": undefined })).toBeUndefined()
    expect(Validate.headersProblem({ "x team": "a" })).toBe("Header name \"x team\" is not a valid HTTP header name")
    expect(Validate.headersProblem({ "": "a" })).toBe("Header name \"\" is not a valid HTTP header name")
    expect(Validate.headersProblem({ "x-a": "1", "x-b": "a\r\nx: y" })).toBe(
      "Header \"x-b\" contains a line break (CR or LF)"
    )
  })
})

describe("limits", () => {
  it("a positive duration in any form; absent means the fallback; zero, negative or nonsense is refused", () => {
    expect(Validate.decodeLimit("timeout", 1500, Duration.zero)).toStrictEqual(Either.right(Duration.millis(1500)))
    expect(Validate.decodeLimit("timeout", "2 seconds", Duration.zero)).toStrictEqual(Either.right(Duration.seconds(2)))
    expect(Validate.decodeLimit("timeout", undefined, Duration.minutes(1))).toStrictEqual(
      Either.right(Duration.minutes(1))
    )
    expect(Validate.decodeLimit("timeout", 0, Duration.zero)).toStrictEqual(
      Either.left("timeout must be a positive duration, got 0")
    )
    expect(Validate.decodeLimit("idleTimeout", -5, Duration.zero)).toStrictEqual(
      Either.left("idleTimeout must be a positive duration, got -5")
    )
    expect(Validate.decodeLimit("timeout", "soon" as Duration.DurationInput, Duration.zero)).toStrictEqual(
      Either.left("timeout must be a positive duration, got soon")
    )
  })

  it("retries: a whole number from 0", () => {
    expect(Validate.retriesProblem(undefined)).toBeUndefined()
    expect(Validate.retriesProblem(0)).toBeUndefined()
    expect(Validate.retriesProblem(5)).toBeUndefined()
    expect(Validate.retriesProblem(-1)).toBe("maxRetries must be a whole number >= 0, got -1")
    expect(Validate.retriesProblem(1.5)).toBe("maxRetries must be a whole number >= 0, got 1.5")
  })

  it("a call's options: its limits over the client's, or the first problem", () => {
    expect(Validate.requestOptions(undefined, limits)).toStrictEqual(Either.right(limits))
    expect(Validate.requestOptions({ timeout: "1 second" }, limits)).toStrictEqual(
      Either.right({ ...limits, timeout: Duration.seconds(1) })
    )
    expect(Validate.requestOptions({ idleTimeout: 250 }, limits)).toStrictEqual(
      Either.right({ ...limits, idle: Duration.millis(250) })
    )
    expect(Validate.requestOptions({ totalTimeout: "20 seconds" }, limits)).toStrictEqual(
      Either.right({ ...limits, total: Duration.seconds(20) })
    )
    expect(Validate.requestOptions({ totalTimeout: 0 }, limits)).toStrictEqual(
      Either.left("totalTimeout must be a positive duration, got 0")
    )
    expect(Validate.requestOptions({ timeout: 0 }, limits)).toStrictEqual(
      Either.left("timeout must be a positive duration, got 0")
    )
    expect(Validate.requestOptions({ idleTimeout: -1 }, limits)).toStrictEqual(
      Either.left("idleTimeout must be a positive duration, got -1")
    )
    expect(Validate.requestOptions({ maxRetries: -2 }, limits)).toStrictEqual(
      Either.left("maxRetries must be a whole number >= 0, got -2")
    )
    expect(Validate.requestOptions({ headers: { "a b": "c" } }, limits)).toStrictEqual(
      Either.left("Header name \"a b\" is not a valid HTTP header name")
    )
  })
})

describe("client options", () => {
  it("defaults: 10 minutes per attempt, 5 minutes of idle stream, no total budget", () => {
    expect(Validate.options({ apiKey: key })).toStrictEqual(
      Either.right({ timeout: Duration.minutes(10), idle: Duration.minutes(5), total: Duration.infinity })
    )
    expect(Validate.options({ apiKey: key, timeout: 100, streamIdleTimeout: "1 second", totalTimeout: "20 seconds" }))
      .toStrictEqual(
        Either.right({ timeout: Duration.millis(100), idle: Duration.seconds(1), total: Duration.seconds(20) })
      )
  })

  it("each bad option is refused with its path and a message that never quotes the key", () => {
    const cases: ReadonlyArray<[Parameters<typeof Validate.options>[0], string, string]> = [
      [{ apiKey: Redacted.make(" ") }, "apiKey", "The OpenAI API key is empty: set OPENAI_API_KEY or pass apiKey"],
      [{ apiKey: Redacted.make("sk-a\nb") }, "apiKey", "The OpenAI API key contains a line break (CR or LF)"],
      [
        { apiKey: Redacted.make("sk-a€") },
        "apiKey",
        "The OpenAI API key has a character HTTP headers cannot carry (a control character or one past U+00FF)"
      ],
      [{ apiKey: key, baseURL: "not a url" }, "baseURL", "baseURL must be an absolute http(s) URL, got \"not a url\""],
      [{ apiKey: key, baseURL: "ws://x/v1" }, "baseURL", "baseURL must be an absolute http(s) URL, got \"ws://x/v1\""],
      [{ apiKey: key, maxRetries: -1 }, "maxRetries", "maxRetries must be a whole number >= 0, got -1"],
      [{ apiKey: key, totalTimeout: 0 }, "totalTimeout", "totalTimeout must be a positive duration, got 0"],
      [{ apiKey: key, adminApiKey: Redacted.make(" ") }, "adminApiKey", "The OpenAI admin key is empty"],
      [{ apiKey: key, organization: "org\r" }, "organization", "organization contains a line break (CR or LF)"],
      [
        { apiKey: key, project: "p\u0000" },
        "project",
        "project has a character HTTP headers cannot carry (a control character or one past U+00FF)"
      ],
      [
        { apiKey: key, defaultHeaders: { "x y": "1" } },
        "defaultHeaders",
        "Header name \"x y\" is not a valid HTTP header name"
      ],
      [{ apiKey: key, timeout: -1 }, "timeout", "timeout must be a positive duration, got -1"],
      [
        { apiKey: key, streamIdleTimeout: 0 },
        "streamIdleTimeout",
        "streamIdleTimeout must be a positive duration, got 0"
      ]
    ]
    for (const [options, path, message] of cases) {
      const error = refused(options)
      expect(error.path).toStrictEqual([path])
      expect(error.message).toContain(message)
      expect(error.message).not.toContain("sk-a")
    }
  })

  it("http and https base URLs are fine", () => {
    expect(Either.isRight(Validate.options({ apiKey: key, baseURL: "http://localhost:8080/v1" }))).toBe(true)
    expect(Either.isRight(Validate.options({ apiKey: key, baseURL: "https://example.com" }))).toBe(true)
  })

  it("in a browser page (window with a document, and a navigator) the client is refused unless allowed", () => {
    const global = globalThis as { window?: unknown; navigator?: unknown }
    const saved = { window: global.window, navigator: Object.getOwnPropertyDescriptor(globalThis, "navigator") }
    const set = (window: unknown, navigator: unknown) => {
      global.window = window
      Object.defineProperty(globalThis, "navigator", { value: navigator, configurable: true, writable: true })
    }
    try {
      set({ document: {} }, {})
      const error = refused({ apiKey: key })
      expect(error.path).toStrictEqual(["dangerouslyAllowBrowser"])
      expect(error.message).toContain(
        "Refusing to build the OpenAI client in a browser: the API key would be exposed to everyone who loads the " +
          "page. Call the API from a server instead, or pass dangerouslyAllowBrowser: true if exposing this key is " +
          "intended."
      )
      expect(Either.isRight(Validate.options({ apiKey: key, dangerouslyAllowBrowser: true }))).toBe(true)
      // a worker (no document) or a window without a navigator is not a page
      set({}, {})
      expect(Either.isRight(Validate.options({ apiKey: key }))).toBe(true)
      set({ document: {} }, undefined)
      expect(Either.isRight(Validate.options({ apiKey: key }))).toBe(true)
    } finally {
      global.window = saved.window
      if (saved.navigator !== undefined) Object.defineProperty(globalThis, "navigator", saved.navigator)
    }
  })
})
