// SPDX-License-Identifier: Apache-2.0
import com.sun.jna.IntegerType;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.ptr.PointerByReference;
import java.util.Map;

/**
 * libfuma's C functions (fuma/fuma.h) as JNA sees them: the handful a portal
 * needs to open an engine, run commands, read errors and free what it got.
 *
 * <p>Strings cross as UTF-8 bytes with their length, and come back as
 * pointers read as UTF-8, so nothing depends on the JVM's default charset.
 * Handles (fuma_engine*, fuma_result*) are plain Pointers: who owns what is
 * the header's rule, kept by {@link Engine}.
 */
public interface Fuma extends Library {
  /**
   * The library, libfuma.so, found on -Djna.library.path or by the system
   * loader. String arguments and results cross as UTF-8.
   */
  Fuma LIB =
      Native.load(
          "fuma", Fuma.class, Map.of(Library.OPTION_STRING_ENCODING, "UTF-8"));

  /** size_t, whatever its width on this platform. */
  final class SizeT extends IntegerType {
    private static final long serialVersionUID = 1L;

    public SizeT() {
      this(0);
    }

    public SizeT(long value) {
      super(Native.SIZE_T_SIZE, value, true);
    }
  }

  /**
   * struct fuma_error: one failure on one thread, as fuma_error_last() gives
   * it. Every string is borrowed from the library and valid until the next
   * fuma call on this thread: copy it out at once (see {@link Engine}).
   */
  @Structure.FieldOrder({"code", "name", "message", "detail", "json"})
  class FumaError extends Structure {
    public int code; // the pinned negative status, e.g. -9
    public Pointer name; // the stable name, e.g. "ON_SITE_ONLY"
    public Pointer message; // for people, in Chinese
    public Pointer detail; // for developers, in English
    public Pointer json; // {"ok":false,"error":{...}}

    public FumaError(Pointer at) {
      super(at);
      read();
    }

    public FumaError() {}
  }

  int FUMA_OK = 0;

  String fuma_version();

  int fuma_abi_version();

  FumaError fuma_error_last();

  int fuma_engine_open(PointerByReference out, String path, Pointer options);

  void fuma_engine_close(Pointer engine);

  int fuma_call(
      PointerByReference out,
      Pointer engine,
      byte[] request,
      SizeT requestLength,
      byte[] data,
      SizeT dataLength);

  Pointer fuma_result_json(Pointer result, Memory length);

  Pointer fuma_result_data(Pointer result, Memory length);

  void fuma_result_free(Pointer result);
}
