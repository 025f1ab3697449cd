namespace Milter.Authentication;

/// <summary>Who writes the aggregate reports (RFC 7489 7.2.1.1, report_metadata).</summary>
/// <param name="OrgName">The reporting organization's domain or name (<c>org_name</c>), also the first part of file names.</param>
/// <param name="Email">Where report recipients can write back (<c>email</c>).</param>
/// <param name="ExtraContactInfo">More contact information, or null.</param>
public sealed record DmarcReporter(string OrgName, string Email, string? ExtraContactInfo = null);
