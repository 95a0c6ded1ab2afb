package flink.etctraffic;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.JsonNode;
import org.apache.flink.shaded.jackson2.com.fasterxml.jackson.databind.ObjectMapper;

/** One vehicle passage at a checkpoint, as `etclab replay` writes it to Kafka (the 16 cleaned columns as JSON). */
public class Passage {
  static final ZoneId BEIJING = ZoneId.of("Asia/Shanghai");
  static final DateTimeFormatter GCSJ = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
  private static final ObjectMapper JSON = new ObjectMapper();

  public String gcxh;
  public String plate;
  public String checkpoint;
  /** Event time, epoch ms, from GCSJ read as Beijing time (GCSJ_TS in the user's exports is 8 h off). */
  public long time;

  public Passage() {}

  /** Null for a message that is not a passage (it is counted, not fatal: one bad row must not stop the job). */
  public static Passage parse(String value) {
    try {
      JsonNode o = JSON.readTree(value);
      Passage p = new Passage();
      p.gcxh = o.path("GCXH").asText("");
      p.plate = o.path("HPHM").asText("");
      p.checkpoint = o.path("CLEAN_KKMC").asText("");
      String gcsj = o.path("GCSJ").asText("");
      if (p.gcxh.isEmpty() || p.plate.isEmpty() || p.checkpoint.isEmpty() || gcsj.isEmpty()) return null;
      p.time = LocalDateTime.parse(gcsj, GCSJ).atZone(BEIJING).toInstant().toEpochMilli();
      return p;
    } catch (Exception e) {
      return null;
    }
  }

  /** `yyyy-MM-dd HH:mm:ss` in Beijing time, the way the user's tables write times. */
  public static String beijing(long epochMs) {
    return java.time.Instant.ofEpochMilli(epochMs).atZone(BEIJING).format(GCSJ);
  }
}
