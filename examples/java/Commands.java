// SPDX-License-Identifier: Apache-2.0
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The command registry, as the engine declares it (fuma.commands), used to
 * build requests: a request names a command that exists, for an actor the
 * command accepts, with every argument its args schema requires and none it
 * does not declare, and bytes only where the command takes them. A mistake
 * is caught here, before the library is called, with a sentence naming it.
 */
public final class Commands {
  private final Map<String, Map<String, Object>> byName = new LinkedHashMap<>();

  /** Reads the registry from the engine once. */
  public Commands(Engine engine) {
    Engine.Result answer = engine.call("{\"command\":\"fuma.commands\"}", null);
    for (Object item : Json.array(Json.object(Json.parse(answer.json())).get("commands"))) {
      Map<String, Object> command = Json.object(item);
      byName.put((String) command.get("name"), command);
    }
  }

  public int size() {
    return byName.size();
  }

  /**
   * The JSON envelope of a request: {"command", "actor", "args"}, checked
   * against the command's descriptor.
   *
   * @param actor e.g. {"staff": "acc"}: its one key is the kind of caller
   * @param withData whether bytes go beside the JSON
   */
  public String request(
      String name, Map<String, Object> actor, Map<String, Object> args, boolean withData) {
    Map<String, Object> command = byName.get(name);
    if (command == null) {
      throw new IllegalArgumentException("no command is named " + name);
    }
    List<Object> callers = Json.array(command.get("callers"));
    for (String kind : actor.keySet()) {
      if (!callers.contains(kind)) {
        throw new IllegalArgumentException(name + " is not for a " + kind + " actor: " + callers);
      }
    }
    Map<String, Object> schema = Json.object(command.get("args"));
    Map<String, Object> declared = Json.object(schema.getOrDefault("properties", Map.of()));
    for (Object required : Json.array(schema.getOrDefault("required", List.of()))) {
      if (!args.containsKey(required)) {
        throw new IllegalArgumentException(name + " requires the argument '" + required + "'");
      }
    }
    if (Boolean.FALSE.equals(schema.get("additionalProperties"))) {
      for (String given : args.keySet()) {
        if (!declared.containsKey(given)) {
          throw new IllegalArgumentException(
              name + " takes no argument '" + given + "'; it takes " + declared.keySet());
        }
      }
    }
    Object takes = command.get("takes");
    if (withData && takes == null) {
      throw new IllegalArgumentException(name + " takes no bytes");
    }
    if (!withData && takes != null && Boolean.TRUE.equals(Json.object(takes).get("required"))) {
      throw new IllegalArgumentException(name + " needs bytes: " + Json.object(takes).get("media_types"));
    }
    Map<String, Object> envelope = new LinkedHashMap<>();
    envelope.put("command", name);
    envelope.put("actor", actor);
    envelope.put("args", args);
    return Json.write(envelope);
  }

  /** Whether the command answers bytes beside its JSON (a PDF, a PNG). */
  public boolean returnsBytes(String name) {
    return byName.get(name).get("returns") != null;
  }
}
