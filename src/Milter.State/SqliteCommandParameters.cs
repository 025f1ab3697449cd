using Microsoft.Data.Sqlite;

namespace Milter.State;

/// <summary>Binds the parameters of a prepared statement for one execution.</summary>
internal static class SqliteCommandParameters
{
    public static SqliteCommand With(this SqliteCommand command, params ReadOnlySpan<(string Name, object Value)> parameters)
    {
        foreach (var (name, value) in parameters)
        {
            if (command.Parameters.Contains(name))
                command.Parameters[name].Value = value;
            else
                command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}
