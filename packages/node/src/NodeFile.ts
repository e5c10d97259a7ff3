/**
 * Files from disk for multipart uploads (`Files.create`, audio transcriptions, image edits...): a `Blob` over the
 * file from Node's `fs.openAsBlob`, so a large upload is read from disk as it is sent, never held in memory, and
 * is sent again as it is on a retry.
 *
 * @since 0.1.0
 */
import * as Multipart from "@effect-openai/core/Multipart"
import * as PlatformError from "@effect/platform/Error"
import * as Effect from "effect/Effect"
import * as Fs from "node:fs"
import * as Path from "node:path"

/** Content types of the files the API takes, by extension; others are sent as `application/octet-stream`. */
const contentTypes: Readonly<Record<string, string>> = {
  ".json": "application/json",
  ".jsonl": "application/jsonl",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".html": "text/html",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".gif": "image/gif",
  ".mp3": "audio/mpeg",
  ".mp4": "video/mp4",
  ".m4a": "audio/mp4",
  ".wav": "audio/wav",
  ".webm": "audio/webm",
  ".ogg": "audio/ogg",
  ".flac": "audio/flac",
  ".zip": "application/zip"
}

const reasonOf = (code: unknown): PlatformError.SystemErrorReason => {
  switch (code) {
    case "ENOENT":
      return "NotFound"
    case "EACCES":
    case "EPERM":
      return "PermissionDenied"
    case "EISDIR":
    case "ENOTDIR":
      return "BadResource"
    default:
      return "Unknown"
  }
}

/**
 * The file at `path` as a multipart file, named after its base name (or `filename`), with a content type from its
 * extension (or `contentType`). Nothing is read until the upload is sent. A missing or unreadable file fails here
 * with the platform's `SystemError` (`NotFound`, `PermissionDenied`, `BadResource` for a directory). A file changed
 * on disk after this call can no longer be read: the upload then fails with a `ConnectionError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromPath = (
  path: string,
  options?: { readonly filename?: string | undefined; readonly contentType?: string | undefined }
): Effect.Effect<Multipart.File, PlatformError.SystemError> =>
  Effect.tryPromise({
    // stat first: openAsBlob throws a bare ERR_INVALID_ARG_VALUE for a missing file, and takes a directory
    try: async () => {
      const stat = await Fs.promises.stat(path)
      if (!stat.isFile()) throw Object.assign(new Error(`not a file: ${path}`), { code: "EISDIR" })
      return Fs.openAsBlob(path)
    },
    catch: (cause) =>
      new PlatformError.SystemError({
        reason: reasonOf((cause as { readonly code?: unknown }).code),
        module: "FileSystem",
        method: "openAsBlob",
        pathOrDescriptor: path,
        cause
      })
  }).pipe(
    Effect.map((blob) =>
      Multipart.file(blob, {
        filename: options?.filename ?? Path.basename(path),
        contentType: options?.contentType ?? contentTypes[Path.extname(path).toLowerCase()] ??
          "application/octet-stream"
      })
    )
  )
