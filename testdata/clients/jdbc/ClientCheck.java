// ClientCheck drives sharehouse with pgjdbc the way a Java application and
// a JDBC-based BI tool do, and prints what it sees as "kind|value|…"
// lines; cmd/sharehouse/clients_jdbc_test.go compiles it with javac, runs
// it as the provider and as a token recipient and checks the lines.
//
// Usage: java -cp postgresql.jar:. ClientCheck provider|recipient URL USER PASSWORD SCHEMA TABLE
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.Date;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.Properties;
import java.util.StringJoiner;

public class ClientCheck {
    static void out(Object... parts) {
        StringJoiner j = new StringJoiner("|");
        for (Object p : parts) {
            j.add(String.valueOf(p));
        }
        System.out.println(j);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: ClientCheck provider|recipient URL USER PASSWORD SCHEMA TABLE");
            System.exit(2);
        }
        String mode = args[0], url = args[1], schema = args[4], table = args[5];
        Properties props = new Properties();
        props.setProperty("user", args[2]);
        props.setProperty("password", args[3]);
        try (Connection c = DriverManager.getConnection(url, props)) {
            metadata(c, schema, table);
            if (mode.equals("provider")) {
                write(c, schema + "." + table);
            }
            read(c, schema + "." + table);
            if (mode.equals("recipient")) {
                refused(c, schema + "." + table);
            }
        }
        out("done");
    }

    // metadata prints what DatabaseMetaData answers.
    static void metadata(Connection c, String schema, String table) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        out("product", md.getDatabaseProductName(), md.getDatabaseMajorVersion());
        out("productversion", md.getDatabaseProductVersion());
        try (ResultSet rs = md.getCatalogs()) {
            while (rs.next()) {
                out("catalog", rs.getString("TABLE_CAT"));
            }
        }
        try (ResultSet rs = md.getSchemas()) {
            while (rs.next()) {
                out("schema", rs.getString("TABLE_SCHEM"));
            }
        }
        try (ResultSet rs = md.getTables(null, null, "%", new String[] {"TABLE", "VIEW"})) {
            while (rs.next()) {
                out("table", rs.getString("TABLE_SCHEM"), rs.getString("TABLE_NAME"), rs.getString("TABLE_TYPE"), rs.getString("REMARKS"));
            }
        }
        try (ResultSet rs = md.getColumns(null, schema, table, "%")) {
            while (rs.next()) {
                out("column", rs.getString("TABLE_NAME"), rs.getInt("ORDINAL_POSITION"), rs.getString("COLUMN_NAME"),
                    rs.getString("TYPE_NAME"), rs.getInt("DATA_TYPE"), rs.getInt("COLUMN_SIZE"), rs.getInt("DECIMAL_DIGITS"),
                    rs.getInt("NULLABLE"), rs.getString("IS_NULLABLE"), rs.getString("COLUMN_DEF"));
            }
        }
        try (ResultSet rs = md.getPrimaryKeys(null, schema, table)) {
            while (rs.next()) {
                out("pk", rs.getString("TABLE_NAME"), rs.getString("COLUMN_NAME"), rs.getInt("KEY_SEQ"), rs.getString("PK_NAME"));
            }
        }
        try (ResultSet rs = md.getIndexInfo(null, schema, table, false, false)) {
            while (rs.next()) {
                out("index", rs.getString("TABLE_NAME"), rs.getString("INDEX_NAME"), rs.getBoolean("NON_UNIQUE"),
                    rs.getInt("ORDINAL_POSITION"), rs.getString("COLUMN_NAME"), rs.getString("ASC_OR_DESC"));
            }
        }
        // Foreign keys through pgjdbc's nine-way catalog joins: each one
        // imported by or exported from the table, and their number.
        int fks = 0;
        for (int side = 0; side < 2; side++) {
            try (ResultSet rs = side == 0 ? md.getImportedKeys(null, schema, table) : md.getExportedKeys(null, schema, table)) {
                while (rs.next()) {
                    fks++;
                    out(side == 0 ? "importedkey" : "exportedkey", rs.getString("PKTABLE_SCHEM"), rs.getString("PKTABLE_NAME"),
                        rs.getString("PKCOLUMN_NAME"), rs.getString("FKTABLE_SCHEM"), rs.getString("FKTABLE_NAME"),
                        rs.getString("FKCOLUMN_NAME"), rs.getInt("KEY_SEQ"), rs.getInt("UPDATE_RULE"), rs.getInt("DELETE_RULE"),
                        rs.getString("FK_NAME"), rs.getString("PK_NAME"), rs.getInt("DEFERRABILITY"));
                }
            }
        }
        out("foreignkeys", fks);
        int types = 0;
        try (ResultSet rs = md.getTypeInfo()) {
            while (rs.next()) {
                types++;
                String name = rs.getString("TYPE_NAME");
                if (name.equals("int4") || name.equals("numeric") || name.equals("text") || name.equals("timestamptz")) {
                    out("typeinfo", name, rs.getInt("DATA_TYPE"), rs.getInt("PRECISION"), rs.getBoolean("CASE_SENSITIVE"));
                }
            }
        }
        out("typeinfocount", types > 20);
    }

    // write inserts with a batch of prepared statements, updates with a
    // plain Statement, and checks that rollback undoes and commit keeps.
    static void write(Connection c, String t) throws SQLException {
        String insert = "INSERT INTO " + t + " (id, big, price, name, code, active, born, seen, seen_tz, score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
        try (PreparedStatement ps = c.prepareStatement(insert)) {
            ps.setInt(1, 10);
            ps.setLong(2, -5000000000L);
            ps.setBigDecimal(3, new BigDecimal("99.95"));
            ps.setString(4, "pear, \"green\"");
            ps.setString(5, "P10");
            ps.setBoolean(6, false);
            ps.setDate(7, Date.valueOf("2023-12-31"));
            ps.setTimestamp(8, Timestamp.valueOf("2023-12-31 23:59:58.5"));
            ps.setObject(9, OffsetDateTime.parse("2023-12-31T22:00:00+02:00"));
            ps.setDouble(10, -0.25);
            ps.addBatch();
            ps.setInt(1, 11);
            ps.setNull(2, Types.BIGINT);
            ps.setNull(3, Types.NUMERIC);
            ps.setString(4, "quince");
            ps.setNull(5, Types.VARCHAR);
            ps.setNull(6, Types.BOOLEAN);
            ps.setNull(7, Types.DATE);
            ps.setNull(8, Types.TIMESTAMP);
            ps.setNull(9, Types.TIMESTAMP_WITH_TIMEZONE);
            ps.setNull(10, Types.DOUBLE);
            ps.addBatch();
            int[] counts = ps.executeBatch();
            StringJoiner j = new StringJoiner(",");
            for (int n : counts) {
                j.add(String.valueOf(n));
            }
            out("batch", j);
        }
        try (Statement st = c.createStatement()) {
            out("update", st.executeUpdate("UPDATE " + t + " SET score = score * 2 WHERE id = 1"));
        }
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + t + " (id, name) VALUES (?, ?)")) {
            ps.setInt(1, 20);
            ps.setString(2, "rolled back");
            ps.executeUpdate();
            c.rollback();
            ps.setInt(1, 21);
            ps.setString(2, "committed");
            ps.executeUpdate();
            c.commit();
        }
        c.setAutoCommit(true);
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FILTER (WHERE id = 20), count(*) FILTER (WHERE id = 21) FROM " + t)) {
            rs.next();
            out("txn", rs.getLong(1), rs.getLong(2));
        }
    }

    // read prints every row with a typed getter per column, the result's
    // metadata, and runs one prepared query often enough for pgjdbc to
    // switch to a named server-side statement and binary results.
    static void read(Connection c, String t) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, big, price, name, code, active, born, seen, seen_tz, score FROM " + t + " ORDER BY id")) {
            ResultSetMetaData m = rs.getMetaData();
            for (int i = 1; i <= m.getColumnCount(); i++) {
                out("rsmeta", i, m.getColumnName(i), m.getColumnTypeName(i), m.getColumnType(i), m.getPrecision(i), m.getScale(i),
                    m.isNullable(i), m.getTableName(i));
            }
            while (rs.next()) {
                out("row", rs.getInt(1), nul(rs, rs.getLong(2)), nul(rs, rs.getBigDecimal(3)), rs.getString(4), nul(rs, rs.getString(5)),
                    nul(rs, rs.getBoolean(6)), nul(rs, rs.getDate(7)), nul(rs, rs.getTimestamp(8)),
                    nul(rs, rs.getObject(9, OffsetDateTime.class)), nul(rs, rs.getDouble(10)));
            }
        }
        // A fetch size in a transaction makes pgjdbc read through a portal,
        // two rows an Execute.
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.setFetchSize(2);
            StringJoiner j = new StringJoiner(",");
            try (ResultSet rs = st.executeQuery("SELECT id FROM " + t + " ORDER BY id")) {
                while (rs.next()) {
                    j.add(String.valueOf(rs.getInt(1)));
                }
            }
            out("fetchsize", j);
        }
        c.commit();
        c.setAutoCommit(true);
        String q = "SELECT id, name, price FROM " + t + " WHERE id >= ? AND born <= ? AND name <> ? AND price < ? ORDER BY id";
        try (PreparedStatement ps = c.prepareStatement(q)) {
            for (int round = 1; round <= 6; round++) {
                ps.setInt(1, 1);
                ps.setDate(2, Date.valueOf("2024-06-01"));
                ps.setString(3, "nobody");
                ps.setBigDecimal(4, new BigDecimal("1000"));
                StringJoiner j = new StringJoiner(",");
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        j.add(rs.getInt("id") + ":" + rs.getString("name") + ":" + rs.getBigDecimal("price"));
                    }
                }
                out("prepared", round, j);
            }
        }
    }

    // refused checks that a recipient's writes fail with 25006 and that the
    // session keeps working.
    static void refused(Connection c, String t) throws SQLException {
        try (Statement st = c.createStatement()) {
            try {
                st.executeUpdate("INSERT INTO " + t + " (id, name) VALUES (99, 'x')");
                out("insert", "accepted");
            } catch (SQLException e) {
                out("insert", e.getSQLState());
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + t + " WHERE id = ?")) {
                ps.setInt(1, 1);
                ps.executeUpdate();
                out("delete", "accepted");
            } catch (SQLException e) {
                out("delete", e.getSQLState());
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM " + t)) {
                rs.next();
                out("after", rs.getLong(1));
            }
        }
    }

    static Object nul(ResultSet rs, Object v) throws SQLException {
        return rs.wasNull() ? "NULL" : v;
    }
}
