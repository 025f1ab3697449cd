namespace Milter.Mime;

/// <summary>The kind of a <see cref="HeaderEdit"/>.</summary>
internal enum HeaderEditKind
{
    /// <summary>Insert at a 0-based position of the whole header list (SMFIR_INSHEADER).</summary>
    Insert,

    /// <summary>Change the n-th (1-based) header of a name (SMFIR_CHGHEADER).</summary>
    Change,

    /// <summary>Delete the n-th (1-based) header of a name (SMFIR_CHGHEADER, empty value).</summary>
    Delete,

    /// <summary>Append after the last header (SMFIR_ADDHEADER).</summary>
    Add,
}

/// <summary>One header action, with the index the MTA expects at the moment it is applied.</summary>
internal readonly record struct HeaderEdit(HeaderEditKind Kind, string Name, string Value, int Index);
