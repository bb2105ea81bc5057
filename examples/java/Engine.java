// SPDX-License-Identifier: Apache-2.0
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.ptr.PointerByReference;
import java.nio.charset.StandardCharsets;

/**
 * An open fuma engine: one store, and the commands run on it. The four
 * things every caller of the C ABI does, in one place: open, call, read the
 * error, free, close.
 *
 * <p>One Engine may serve any number of threads (fuma.h, "Threads"); close
 * it once, after the last call.
 */
public final class Engine implements AutoCloseable {
  /** A command's answer: its JSON text and the bytes beside it (a PDF, a PNG). */
  public record Result(String json, byte[] data) {}

  /** A failure the library reported, copied out of fuma_error_last(). */
  public static final class FumaException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    public final int code; // the pinned status, e.g. -9
    public final String name; // the stable name, e.g. "ON_SITE_ONLY"
    public final String chinese; // the message for people
    public final String detail; // for developers
    public final String json; // the whole error, for a host to pass on

    FumaException(int status) {
      this(status, Fuma.LIB.fuma_error_last());
    }

    private FumaException(int status, Fuma.FumaError e) {
      super(e == null ? "fuma status " + status : text(e.name) + ": " + text(e.detail));
      code = status;
      name = e == null ? "" : text(e.name);
      chinese = e == null ? "" : text(e.message);
      detail = e == null ? "" : text(e.detail);
      json = e == null ? "" : text(e.json);
    }
  }

  private Pointer handle;

  /** Opens (or creates) the SQLite store at path; null keeps it in memory. */
  public Engine(String path) {
    PointerByReference out = new PointerByReference();
    int rc = Fuma.LIB.fuma_engine_open(out, path, null);
    if (rc != Fuma.FUMA_OK) {
      throw new FumaException(rc); // read at once, on this thread
    }
    handle = out.getValue();
  }

  /** Runs one request (the JSON envelope) with optional bytes beside it. */
  public Result call(String request, byte[] data) {
    if (handle == null) {
      throw new IllegalStateException("this Engine is closed");
    }
    byte[] text = request.getBytes(StandardCharsets.UTF_8);
    int dataLength = data == null ? 0 : data.length;
    PointerByReference out = new PointerByReference();
    int rc =
        Fuma.LIB.fuma_call(
            out,
            handle,
            text,
            new Fuma.SizeT(text.length),
            data,
            new Fuma.SizeT(dataLength));
    if (rc != Fuma.FUMA_OK) {
      throw new FumaException(rc); // nothing to free after a failure
    }
    Pointer result = out.getValue();
    try {
      Memory length = new Memory(Native.SIZE_T_SIZE);
      Pointer json = Fuma.LIB.fuma_result_json(result, length);
      String answer = new String(json.getByteArray(0, (int) sizeAt(length)), StandardCharsets.UTF_8);
      Pointer bytes = Fuma.LIB.fuma_result_data(result, length);
      byte[] copy = bytes == null ? new byte[0] : bytes.getByteArray(0, (int) sizeAt(length));
      return new Result(answer, copy);
    } finally {
      Fuma.LIB.fuma_result_free(result); // the result owns both; we copied them
    }
  }

  @Override
  public void close() {
    Fuma.LIB.fuma_engine_close(handle); // NULL, after a second close, is a no-op
    handle = null;
  }

  private static long sizeAt(Memory length) {
    return Native.SIZE_T_SIZE == 8 ? length.getLong(0) : length.getInt(0);
  }

  private static String text(Pointer p) {
    return p == null ? "" : p.getString(0, "UTF-8");
  }
}
