using MimeKit;

namespace Milter.Mime;

/// <summary>Replaces one entity of a message's MIME tree with another, wherever it is.</summary>
public static class MimeTree
{
    /// <summary>Puts <paramref name="replacement"/> where <paramref name="entity"/> is; false when the message does not contain it.</summary>
    public static bool Replace(MimeMessage message, MimeEntity entity, MimeEntity replacement)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(replacement);
        if (ReferenceEquals(message.Body, entity))
        {
            message.Body = replacement;
            return true;
        }

        return Replace(message.Body, entity, replacement);
    }

    private static bool Replace(MimeEntity? parent, MimeEntity entity, MimeEntity replacement)
    {
        switch (parent)
        {
            case Multipart multipart:
                for (var i = 0; i < multipart.Count; i++)
                {
                    if (ReferenceEquals(multipart[i], entity))
                    {
                        multipart[i] = replacement;
                        return true;
                    }

                    if (Replace(multipart[i], entity, replacement))
                        return true;
                }

                return false;
            case MessagePart { Message: { } inner }:
                return Replace(inner, entity, replacement);
            default:
                return false;
        }
    }
}
