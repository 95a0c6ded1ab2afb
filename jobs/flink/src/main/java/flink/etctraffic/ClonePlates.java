package flink.etctraffic;

import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The clone-plate rule, keyed by plate: the same plate at two different checkpoints less than `gapMs` apart.
 * Passages wait in state until the watermark passes them, then are compared in time order (ties by GCXH)
 * with those of the last `gapMs`; so the pairs do not depend on the order passages arrive in, as long as
 * they arrive within the watermark bound. Emits one JSON line per pair.
 */
public class ClonePlates extends KeyedProcessFunction<String, Passage, String> {
  private final long gapMs;
  private transient MapState<Long, List<Passage>> waiting;
  private transient ListState<Passage> recent;

  public ClonePlates(long gapMs) {
    this.gapMs = gapMs;
  }

  @Override
  public void open(Configuration parameters) {
    TypeInformation<List<Passage>> list = Types.LIST(Types.POJO(Passage.class));
    waiting = getRuntimeContext().getMapState(new MapStateDescriptor<>("waiting", Types.LONG, list));
    recent = getRuntimeContext().getListState(new ListStateDescriptor<>("recent", Types.POJO(Passage.class)));
  }

  @Override
  public void processElement(Passage p, Context ctx, Collector<String> out) throws Exception {
    List<Passage> at = waiting.get(p.time);
    if (at == null) at = new ArrayList<>();
    at.add(p);
    waiting.put(p.time, at);
    ctx.timerService().registerEventTimeTimer(p.time);
  }

  @Override
  public void onTimer(long ts, OnTimerContext ctx, Collector<String> out) throws Exception {
    List<Passage> now = waiting.get(ts);
    if (now == null) return;
    waiting.remove(ts);
    now.sort((a, b) -> a.gcxh.compareTo(b.gcxh));
    List<Passage> kept = new ArrayList<>();
    for (Passage r : recent.get()) if (ts - r.time < gapMs) kept.add(r);
    for (Passage p : now) {
      for (Passage earlier : kept) {
        if (!earlier.checkpoint.equals(p.checkpoint)) out.collect(pair(ctx.getCurrentKey(), earlier, p));
      }
      kept.add(p);
    }
    recent.update(kept);
  }

  private static String pair(String plate, Passage a, Passage b) {
    return String.format("{\"plate\":\"%s\",\"first\":{\"gcxh\":\"%s\",\"checkpoint\":\"%s\",\"time\":\"%s\"},\"second\":{\"gcxh\":\"%s\",\"checkpoint\":\"%s\",\"time\":\"%s\"}}",
        StreamAnalysisJob.esc(plate), StreamAnalysisJob.esc(a.gcxh), StreamAnalysisJob.esc(a.checkpoint), Passage.beijing(a.time),
        StreamAnalysisJob.esc(b.gcxh), StreamAnalysisJob.esc(b.checkpoint), Passage.beijing(b.time));
  }
}
