/**
 * A text part with its own content type (`Multipart.text`, `Multipart.json`): a field, not a file, sent with its
 * `Content-Type`, as `curl -F 'session={...};type=application/json'` sends it; and `POST /realtime/calls`, whose spec
 * takes `session` that way, sends it so rather than as `session[type]` parts.
 */
import { Multipart, OpenAiClient, Operation, Realtime } from "@effect-openai/core"
import { OpenAiTest } from "@effect-openai/testing"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"

describe("multipart text parts with a content type", () => {
  it.effect("are sent as fields with their Content-Type, beside plain fields and files", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.empty())
      yield* OpenAiClient.request({
        name: "things.create",
        method: "POST",
        path: "/things",
        body: Operation.multipartBody({
          meta: Multipart.json({ a: 1, b: ["x"] }),
          note: Multipart.text("hello", "text/markdown"),
          plain: "text",
          file: Multipart.file("bytes", { filename: "f.txt" })
        }),
        response: Operation.emptyResponse
      })
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.bodyText).toContain(
        "Content-Disposition: form-data; name=\"meta\"\r\nContent-Type: application/json\r\n\r\n{\"a\":1,\"b\":[\"x\"]}\r\n"
      )
      expect(sent!.bodyText).toContain(
        "Content-Disposition: form-data; name=\"note\"\r\nContent-Type: text/markdown\r\n\r\nhello\r\n"
      )
      // a server reads them as fields (strings), not files
      expect(sent!.form!.get("meta")).toBe("{\"a\":1,\"b\":[\"x\"]}")
      expect(sent!.form!.get("note")).toBe("hello")
      expect(sent!.form!.get("plain")).toBe("text")
      expect(sent!.form!.get("file")).toBeInstanceOf(File)
    }).pipe(Effect.provide(OpenAiTest.layer())))

  it.effect("Realtime.calls.create sends the SDP offer and the session as one JSON part", () =>
    Effect.gen(function*() {
      yield* OpenAiTest.reply(OpenAiTest.text("v=0\r\n", { contentType: "application/sdp", status: 201 }))
      const answer = yield* Realtime.calls.create({
        sdp: "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n",
        session: { type: "realtime", model: "gpt-realtime" }
      })
      expect(answer).toBe("v=0\r\n")
      const [sent] = yield* OpenAiTest.requests
      expect(sent!.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/)
      expect(sent!.form!.get("session")).toBe("{\"type\":\"realtime\",\"model\":\"gpt-realtime\"}")
      expect(sent!.bodyText).toContain("name=\"session\"\r\nContent-Type: application/json\r\n")
      expect([...sent!.form!.keys()]).not.toContain("session[type]")
    }).pipe(Effect.provide(OpenAiTest.layer())))
})
