// @vitest-environment happy-dom
import { Models, OpenAiClient } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

describe("in a browser (happy-dom)", () => {
  it("runs in a browser-like global scope", () => {
    expect(typeof window).toBe("object")
    expect(typeof document.createElement).toBe("function")
    expect(typeof navigator.userAgent).toBe("string")
  })

  it.effect("building the client is refused, saying why, unless dangerouslyAllowBrowser is set", () =>
    Effect.gen(function*() {
      const layer = OpenAiClient.layer({ apiKey: OpenAiTest.apiKey }).pipe(Layer.provide(OpenAiTest.layerHttpClient()))
      const error = yield* Effect.flip(Layer.build(layer).pipe(Effect.scoped))
      expect(error._op).toBe("InvalidData")
      const message = String(error)
      expect(message).toContain("dangerouslyAllowBrowser")
      expect(message).toContain("API key would be exposed")
      expect(message).not.toContain("test-api-key")
    }))

  it.effect("with dangerouslyAllowBrowser: true the client is built and works", () =>
    Effect.gen(function*() {
      const page = yield* Models.list()
      expect(page.data.length).toBeGreaterThan(0)
      expect((yield* OpenAiClient.OpenAiClient).baseURL).toBe("https://api.openai.com/v1")
    }).pipe(
      Effect.provide(
        OpenAiClient.layer({ apiKey: OpenAiTest.apiKey, dangerouslyAllowBrowser: true }).pipe(
          Layer.provide(OpenAiTest.layerHttpClient())
        )
      )
    ))

  it.effect("OpenAiTest.layer builds as is (its key is a fake one), so component tests can use it", () =>
    Effect.gen(function*() {
      const page = yield* Models.list()
      expect(page.data.length).toBeGreaterThan(0)
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
