import java.io.FileInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/**
 * The IAM handshake cost on the local MSK, as a client sees it: a new Admin client per round
 * (TCP, TLS, SASL with AWS_MSK_IAM or OAUTHBEARER, one DescribeCluster), mechanisms alternating.
 * Run by bench/iam_vs_scram.py in Java's source-launch mode with kafka-tools and aws-msk-iam-auth
 * on the classpath. Args: rounds, then one client properties file per mechanism.
 * Prints one line per mechanism: name, median ms, min ms.
 */
public final class IamHandshake {
    public static void main(String[] args) throws Exception {
        int rounds = Integer.parseInt(args[0]);
        List<Properties> configs = new ArrayList<>();
        List<List<Double>> times = new ArrayList<>();
        for (int i = 1; i < args.length; i++) {
            configs.add(load(args[i]));
            times.add(new ArrayList<>());
        }
        for (int warm = 0; warm < 3; warm++) {
            for (Properties config : configs) {
                once(config);
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < configs.size(); i++) {
                times.get(i).add(once(configs.get(i)));
            }
        }
        for (int i = 0; i < configs.size(); i++) {
            List<Double> t = times.get(i);
            Collections.sort(t);
            System.out.printf("%s %.2f %.2f%n", configs.get(i).getProperty("sasl.mechanism"), t.get(t.size() / 2),
                    t.get(0));
        }
    }

    private static double once(Properties config) throws Exception {
        long start = System.nanoTime();
        try (Admin admin = Admin.create(config)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(30_000)).clusterId().get();
        }
        return (System.nanoTime() - start) / 1e6;
    }

    private static Properties load(String path) throws IOException {
        Properties properties = new Properties();
        try (FileInputStream in = new FileInputStream(path)) {
            properties.load(in);
        }
        // One broker, so each round is one connection and one handshake.
        String first = properties.getProperty("bootstrap.servers").split(",")[0];
        properties.setProperty("bootstrap.servers", first);
        return properties;
    }
}
