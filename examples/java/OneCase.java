// SPDX-License-Identifier: Apache-2.0
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A unit's 申请补领 from start to 办结 through fuma's C ABI, from Java with JNA:
 * what a portal team copies.
 *
 * <pre>
 *   javac -cp /usr/share/java/jna.jar -d classes *.java
 *   java -cp /usr/share/java/jna.jar:classes -Djna.library.path=/usr/lib/x86_64-linux-gnu \
 *        OneCase fuma.db form.pdf
 * </pre>
 *
 * It opens (or creates) the store, reads the command registry, sets up an
 * authority with two staff members, registers a unit on site and walks one
 * case through every step, printing the 办理进度 after each. Each request is
 * built from the registry's descriptors ({@link Commands}), so a misspelt
 * argument is refused before the library sees it; an error the library
 * answers is read from fuma_error_last() ({@link Engine.FumaException}). The
 * form to sign and stamp, a PDF beside the JSON, goes to form.pdf.
 */
public final class OneCase {
  private final Engine engine;
  private final Commands commands;
  private byte[] lastData = new byte[0]; // the bytes of the last answer

  private OneCase(Engine engine) {
    this.engine = engine;
    this.commands = new Commands(engine);
  }

  /** Runs a command; returns its result as a Map and keeps its bytes in lastData. */
  private Map<String, Object> run(
      String command, Map<String, Object> actor, Map<String, Object> args) {
    Engine.Result answer = engine.call(commands.request(command, actor, args, false), null);
    lastData = answer.data();
    return Json.object(Json.parse(answer.json()));
  }

  /** A case step: prints the command and the status label it led to. */
  private void step(String command, Map<String, Object> actor, Map<String, Object> args) {
    Map<String, Object> status =
        Json.object(Json.object(run(command, actor, args).get("application")).get("status"));
    System.out.printf("%-22s %s%n", command, status.get("label"));
  }

  public static void main(String[] argv) throws Exception {
    if (argv.length != 2) {
      System.err.println("usage: OneCase DATABASE FORM.pdf");
      System.exit(2);
    }
    System.out.println("libfuma " + Fuma.LIB.fuma_version());
    try (Engine engine = new Engine(argv[0])) {
      new OneCase(engine).walk(Path.of(argv[1]));
    } catch (Engine.FumaException e) {
      System.err.println(e.name + ": " + e.chinese + " (" + e.detail + ")");
      System.exit(1);
    }
  }

  private void walk(Path form) throws Exception {
    System.out.println("fuma.commands          " + commands.size() + " commands");
    Map<String, Object> system = Map.of("system", true);
    Map<String, Object> acceptor = Map.of("staff", "acc");
    Map<String, Object> reviewer = Map.of("staff", "rev");

    // Set-up, as the embedding program itself: an authority and its staff.
    run("authority.create", system, Map.of("code", "sz", "name", "深圳市委编办", "division", "440300"));
    run("staff.create", system,
        Map.of("authority", "sz", "username", "acc", "name", "李受理", "roles", List.of("acceptor")));
    run("staff.create", system,
        Map.of("authority", "sz", "username", "rev", "name", "王复核", "roles", List.of("reviewer")));

    // 申请初领 on site: the authority allocates the unit's code.
    String uscc =
        (String)
            run("unit.register", acceptor,
                    Map.of("name", "深圳市示例局", "category", "机关",
                        "address", "深圳市福田区", "responsible_person", "张三"))
                .get("uscc");
    System.out.printf("%-22s %s%n", "unit.register", uscc);
    Map<String, Object> unit = Map.of("unit", uscc);

    // An error is a status code, and fuma_error_last() says what it means.
    try {
      run("application.start", unit, Map.of("business", "initial"));
    } catch (Engine.FumaException e) {
      System.out.printf("%-22s %s: %s%n", "申请初领 online", e.name, e.chinese);
    }
    // A mistake in a request is the registry's to catch, before any call.
    try {
      run("application.start", unit, Map.of("busines", "reissue"));
    } catch (IllegalArgumentException e) {
      System.out.printf("%-22s %s%n", "refused before call", e.getMessage());
    }

    // 申请补领, from start to 办结.
    Map<String, Object> started = run("application.start", unit, Map.of("business", "reissue"));
    long id = (Long) Json.object(started.get("application")).get("id");
    step("application.save", unit, Map.of("id", id, "fields", Map.of("reason", "证书遗失")));
    step("application.submit", unit, Map.of("id", id));
    step("application.accept", acceptor, Map.of("id", id));
    step("application.approve", reviewer, Map.of("id", id));
    step("application.notify", acceptor, Map.of("id", id, "reply", "请下载申请表，签字盖章后面交"));

    // 下载表格: the PDF comes beside the JSON, never inside it.
    Map<String, Object> made = run("application.form", unit, Map.of("id", id));
    if (!commands.returnsBytes("application.form") || lastData.length == 0) {
      throw new IllegalStateException("application.form answered no PDF");
    }
    Files.write(form, lastData);
    System.out.printf("%-22s %s, %d bytes%n", "application.form", made.get("file_name"), lastData.length);

    step("application.complete", acceptor, Map.of("id", id));
  }
}
