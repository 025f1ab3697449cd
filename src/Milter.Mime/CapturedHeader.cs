namespace Milter.Mime;

/// <summary>A header as the MTA sent it to the milter: the value without the space after the colon (unless HDR_LEADSPC) and folded with bare LF.</summary>
/// <param name="Name">The field name.</param>
/// <param name="Value">The value.</param>
public readonly record struct CapturedHeader(string Name, string Value);
