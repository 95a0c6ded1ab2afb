// The work canary of etclab's Flink health check, and a job the tests drive through run / stop / cancel.
// No argument: a bounded sequence into a discarding sink, which FINISHES when the cluster can run jobs.
// "--endless": an unbounded, rate-limited sequence that runs until stopped (with a savepoint) or cancelled.
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.DiscardingSink;

public class EtclabCanary {
  public static void main(String[] args) throws Exception {
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    boolean endless = args.length > 0 && args[0].equals("--endless");
    env.fromSequence(1, endless ? Long.MAX_VALUE : 1000)
        .map(new MapFunction<Long, Long>() {
          @Override
          public Long map(Long v) throws Exception {
            if (endless) Thread.sleep(10);
            return v;
          }
        })
        .uid("etclab-canary-map")
        .addSink(new DiscardingSink<>());
    env.execute(endless ? "etclab-canary-endless" : "etclab-canary");
  }
}
